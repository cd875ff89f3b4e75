/** Layer 0 of @lr/testing: transports and protocols in memory (StringTransport, MemoryConnection, IOPump, AccumulatingProtocol). */
export * from "./accumulating-protocol.js";
export * from "./io-pump.js";
export * from "./memory-connection.js";
export * from "./string-transport.js";

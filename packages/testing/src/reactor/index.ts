/** Layer 1: the memory reactor back end (MemoryReactor, its connector, port and thread jobs) and the dirty-reactor check. */
export * from "./dirty-reactor.js";
export * from "./memory-connector.js";
export * from "./memory-port.js";
export * from "./memory-reactor.js";
export * from "./memory-thread-job.js";

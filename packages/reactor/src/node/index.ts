/** Layer 3, node: the real back end on node:net, node:tls and worker threads. Imports core, time and base. */
export * from "./default-reactor.js";
export * from "./reactor.js";
export * from "./socket-transport.js";
export * from "./stream-connector.js";
export * from "./stream-port.js";
export * from "./thread-pool.js";

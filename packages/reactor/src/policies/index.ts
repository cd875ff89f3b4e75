/** Policies: protocol and factory wrappers (idle timeout, connection limits, reconnecting client factory). */
export * from "./connection-limits.js";
export * from "./idle-timeout.js";
export * from "./reconnecting-client-factory.js";

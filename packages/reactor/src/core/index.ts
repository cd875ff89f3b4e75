/** Layer 0, core: the interfaces, addresses, errors, logger, protocol and factory every other layer builds on. */
export * from "./address.js";
export * from "./errors.js";
export * from "./factory.js";
export * from "./helpers.js";
export * from "./interfaces.js";
export * from "./logger.js";
export * from "./protocol.js";

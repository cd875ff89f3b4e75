/** Layer 2, base: what every reactor back end shares (ReactorBase, BasePort, BaseConnector, system event triggers). Imports core and time. */
export * from "./base-connector.js";
export * from "./base-port.js";
export * from "./reactor-base.js";
export * from "./system-events.js";

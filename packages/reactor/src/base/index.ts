/** Layer 2, base: what every reactor back end shares (system event triggers). Imports core and time. */
export * from "./system-events.js";

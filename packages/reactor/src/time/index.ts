/** Layer 1, time: the scheduler and delayed calls, the virtual-time Clock, deferLater. Imports only core. */
export * from "./clock.js";
export * from "./defer-later.js";
export * from "./scheduler.js";

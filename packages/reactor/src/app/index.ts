/** Application layer: services, internet services, LoopingCall, runWithSignals, react. */
export * from "./internet-services.js";
export * from "./looping-call.js";
export * from "./react.js";
export * from "./run-with-signals.js";
export * from "./service.js";

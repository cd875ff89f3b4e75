/**
 * `@lr/reactor/internal`: the pieces sibling packages of this repository build on (today `@lr/testing`:
 * its reactor doubles and its re-exported `Clock`). Not a public API: no semver promise, may change in
 * any release. Application code imports `@lr/reactor`.
 *
 * @packageDocumentation
 */

export { SimulationStalledError } from "./core/index.js";
export { Clock, type ClockOptions, type RunUntilOptions, settle } from "./time/index.js";

/**
 * `@lr/reactor/internal`: what the back ends of this repository build on, for sibling packages (today
 * `@lr/testing`, whose `MemoryReactor`, `MemoryConnector` and `MemoryListeningPort` extend the base
 * classes here, and which re-exports the `Clock`). Not a public API: no semver promise, it may change
 * in any release. Application code imports `@lr/reactor`.
 *
 * @packageDocumentation
 */
export {
  BaseConnector,
  type BaseConnectSpec,
  BasePort,
  type BasePortSpec,
  type ConnectorOwner,
  type ConnectorState,
  type PortOwner,
  type PortState,
  ReactorBase,
  type ReactorBaseOptions,
  type TrackedTransport,
} from "./base/index.js";
export { callGuarded, type Deferred, deferred, isThenable } from "./core/helpers.js";
export { SimulationStalledError } from "./core/index.js";
export { Clock, type ClockOptions, type RunUntilOptions, settle } from "./time/index.js";

/**
 * `@lr/testing`: deterministic test doubles for `@lr/reactor` (Twisted's `twisted.internet.testing`
 * and iosim, for TypeScript), an in-memory network, a dirty-reactor check and virtual-time
 * simulation of whole programs.
 */

export { Clock, type ClockOptions, type RunUntilOptions, settle } from "@lr/reactor/internal";
export { DirtyReactorError, SimulationStalledError, ThreadJobStateError } from "./errors.js";
export {
  MemoryNetwork,
  type MemoryNetworkHooks,
  type MemoryNetworkOptions,
} from "./network/index.js";
export {
  assertReactorClean,
  MemoryConnector,
  type MemoryConnectSpec,
  MemoryListeningPort,
  type MemoryPortSpec,
  MemoryReactor,
  MemoryReactorClock,
  type MemoryReactorOptions,
  MemoryThreadJob,
  type MemoryThreadJobState,
  type ResourceOwner,
  type TCPClientRecord,
  type TCPServerRecord,
  type UNIXClientRecord,
  type UNIXServerRecord,
} from "./reactor/index.js";
export {
  ALL_FAULTS,
  Prng,
  type Range,
  REPLAY_SEED_ENV,
  type ResolvedFaults,
  resolveFaults,
  type SimulatePropertyOptions,
  type SimulatePropertyResult,
  Simulation,
  type SimulationCheck,
  type SimulationEvent,
  type SimulationFault,
  type SimulationFaultKind,
  type SimulationFaults,
  SimulationHost,
  type SimulationOptions,
  type SimulationProgram,
  SimulationPropertyError,
  type SimulationRunOptions,
  type SimulationRunResult,
  type SimulationStopReason,
  simulateProperty,
  type ThreadJobDuration,
} from "./simulation/index.js";
export {
  AccumulatingProtocol,
  type AccumulatingProtocolOptions,
  type CallbackErrorHandler,
  type ConnectedOptions,
  type ConnectedPair,
  connectedServerAndClient,
  IOPump,
  MemoryConnection,
  type MemoryConnectionOptions,
  MemoryTransport,
  type ProducerState,
  type ProtocolOf,
  type ProtocolSource,
  StringTransport,
  type StringTransportOptions,
  StringTransportWithDisconnection,
  type TransportClosedHandler,
  TransportStateError,
} from "./transport/index.js";

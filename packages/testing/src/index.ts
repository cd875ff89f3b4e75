/**
 * `@lr/testing`: deterministic test doubles for `@lr/reactor` (Twisted's `twisted.internet.testing`
 * and iosim, for TypeScript), an in-memory network, a dirty-reactor check and virtual-time
 * simulation of whole programs.
 */
export { AccumulatingProtocol, type AccumulatingProtocolOptions } from "./accumulating-protocol.js";
export { Clock, type ClockOptions, type RunUntilOptions, settle } from "./clock.js";
export { assertReactorClean, type ResourceOwner } from "./dirty-reactor.js";
export { DirtyReactorError, SimulationStalledError, ThreadJobStateError } from "./errors.js";
export {
  type ConnectedOptions,
  type ConnectedPair,
  connectedServerAndClient,
  IOPump,
  type ProtocolOf,
  type ProtocolSource,
} from "./io-pump.js";
export {
  type CallbackErrorHandler,
  MemoryConnection,
  type MemoryConnectionOptions,
  MemoryTransport,
  type TransportClosedHandler,
} from "./memory-connection.js";
export { MemoryConnector, type MemoryConnectSpec } from "./memory-connector.js";
export { MemoryNetwork, type MemoryNetworkOptions } from "./memory-network.js";
export { MemoryListeningPort, type MemoryPortSpec } from "./memory-port.js";
export {
  MemoryReactor,
  MemoryReactorClock,
  type MemoryReactorOptions,
  type TCPClientRecord,
  type TCPServerRecord,
  type UNIXClientRecord,
  type UNIXServerRecord,
} from "./memory-reactor.js";
export { MemoryThreadJob, type MemoryThreadJobState } from "./memory-thread-job.js";
export {
  type ProducerState,
  StringTransport,
  type StringTransportOptions,
  StringTransportWithDisconnection,
  TransportStateError,
} from "./string-transport.js";

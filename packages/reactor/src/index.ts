export { type Address, type TCPAddress, type UNIXAddress, formatAddress, tcpAddress, unixAddress } from "./address.js";
export {
  AlreadyCalled,
  AlreadyCancelled,
  AlreadyConnectingError,
  CannotListenError,
  ConnectError,
  ConnectingCancelledError,
  ConnectionAborted,
  ConnectionClosed,
  ConnectionDone,
  ConnectionLost,
  ConnectionRefusedError,
  ConnectTimeoutError,
  DNSLookupError,
  InvalidArgumentError,
  InvalidPhaseError,
  JobCancelledError,
  LrError,
  type LrErrorOptions,
  NotConnectingError,
  NotListeningError,
  ReactorAlreadyRunning,
  ReactorNotRunning,
  TriggerNotFoundError,
} from "./errors.js";
export { ClientFactory, Factory, type ProtocolConstructor, ServerFactory } from "./factory.js";
export type {
  ClientFactoryLike,
  ConnectTCPOptions,
  ConnectUNIXOptions,
  Connector,
  DelayedCall,
  FactoryLike,
  ListenTCPOptions,
  ListenUNIXOptions,
  ListeningPort,
  Producer,
  ProtocolLike,
  ReactorCore,
  ReactorLike,
  ReactorState,
  ReactorTCP,
  ReactorThreads,
  ReactorTime,
  ReactorUNIX,
  SystemEventPhase,
  SystemEventTrigger,
  ThreadJob,
  Transport,
  TriggerId,
} from "./interfaces.js";
export { createStderrLogger, type LogEvent, type Logger, type LogLevel, nullLogger } from "./logger.js";
export { Protocol } from "./protocol.js";
export { createReactor, Reactor, type ReactorOptions, type ReactorResource, reactor } from "./reactor.js";
export { normalVariate, ReconnectingClientFactory } from "./reconnecting-client-factory.js";
export { type FireOptions, SystemEventTriggers } from "./system-events.js";
export { Scheduler, type SchedulerOptions } from "./scheduler.js";

export {
  type Address,
  formatAddress,
  type TCPAddress,
  tcpAddress,
  type UNIXAddress,
  unixAddress,
} from "./address.js";
// ---------------------------------------------------------------- services (issue 6)
export { type ConnectionLimitOptions, LimitConnectionsFactory } from "./connection-limits.js";
export { type DeferLaterOptions, deferLater } from "./defer-later.js";
export { type ParsedEndpoint, parseEndpoint, quoteEndpointArgument } from "./endpoint-parser.js";
export {
  clientFromString,
  type EndpointConnectOptions,
  type EndpointReactor,
  type StreamClientEndpoint,
  type StreamServerEndpoint,
  serverFromString,
  TCPClientEndpoint,
  TCPServerEndpoint,
  TLSClientEndpoint,
  TLSServerEndpoint,
  UNIXClientEndpoint,
  UNIXServerEndpoint,
} from "./endpoints.js";
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
export {
  IdleTimeout,
  type ProtocolClass,
  TimeoutMixin,
  type TimeoutProtocol,
} from "./idle-timeout.js";
export type {
  ClientFactoryLike,
  Connector,
  ConnectTCPOptions,
  ConnectUNIXOptions,
  DelayedCall,
  FactoryLike,
  ListeningPort,
  ListenTCPOptions,
  ListenUNIXOptions,
  Producer,
  ProtocolLike,
  ReactorCore,
  ReactorLike,
  ReactorState,
  ReactorTCP,
  ReactorThreads,
  ReactorTime,
  ReactorTLS,
  ReactorUNIX,
  SystemEventPhase,
  SystemEventTrigger,
  ThreadJob,
  Transport,
  TriggerId,
} from "./interfaces.js";
export { StreamServerEndpointService, TCPServer, TimerService } from "./internet-services.js";
export {
  createStderrLogger,
  type LogEvent,
  type Logger,
  type LogLevel,
  nullLogger,
} from "./logger.js";
export { LoopingCall } from "./looping-call.js";
export { Protocol } from "./protocol.js";
// ---------------------------------------------------------------- PROXY protocol (issue 16)
export {
  HAProxyServerEndpoint,
  HAProxyWrappingFactory,
  InvalidProxyHeaderError,
  type InvalidProxyHeaderReason,
  isProxiedTransport,
  PROXY_V1_MAX_LENGTH,
  PROXY_V2_SIGNATURE,
  type ProxiedTransport,
  type ProxyHeader,
  ProxyHeaderParser,
  type ProxyHeaderParserOptions,
  type ProxyParseResult,
  type ProxyProtocolOptions,
} from "./proxy/index.js";
export { type ReactOptions, react } from "./react.js";
export {
  createReactor,
  Reactor,
  type ReactorOptions,
  type ReactorResource,
  reactor,
} from "./reactor.js";
export { normalVariate, ReconnectingClientFactory } from "./reconnecting-client-factory.js";
export {
  type RunWithSignalsOptions,
  runWithSignals,
  type SignalReactor,
} from "./run-with-signals.js";
export { Scheduler, type SchedulerOptions } from "./scheduler.js";
export { attachService, MultiService, Service, type ServiceLike } from "./service.js";
export {
  BadEndpointError,
  CancelledError,
  LoopingCallStateError,
  ServiceError,
  SystemExit,
} from "./service-errors.js";
export { type FireOptions, SystemEventTriggers } from "./system-events.js";

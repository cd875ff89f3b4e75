/** PROXY protocol v1/v2 (HAProxy's proxy-protocol.txt): a sans-I/O parser, a wrapping factory, an endpoint. */
export { HAProxyServerEndpoint } from "./endpoint.js";
export { InvalidProxyHeaderError, type InvalidProxyHeaderReason } from "./errors.js";
export {
  PROXY_V1_MAX_LENGTH,
  PROXY_V2_SIGNATURE,
  type ProxyHeader,
  ProxyHeaderParser,
  type ProxyHeaderParserOptions,
  type ProxyParseResult,
} from "./parser.js";
export {
  HAProxyWrappingFactory,
  isProxiedTransport,
  type ProxiedTransport,
  type ProxyProtocolOptions,
} from "./wrapper.js";

/**
 * The private command-line kit of lr-server and lr-client (bundled into each app, never
 * published): safe text output, back-pressured stdout, usage errors and number flags, the
 * `main()` error path, the apps' logger and rate-limited log lines.
 */
export {
  describeParseError,
  parseInteger,
  parseSeconds,
  stripLeadingDashDash,
  UsageError,
} from "./args.js";
export {
  escapeString,
  escapeText,
  isPlainText,
  TextEscaper,
  Utf8Chunks,
} from "./escape.js";
export { createAppLogger, descriptorLimit, openFilesLimit } from "./logger.js";
export { runMain, stderrLine } from "./main.js";
export { formatHostPort, isLoopbackHost } from "./net.js";
export { RateLimitedLog } from "./rate-limit.js";
export {
  formatBytes,
  OutputStream,
  type OutputStreamOptions,
  type WritableLike,
} from "./stdout.js";
export { versionLine } from "./version.js";

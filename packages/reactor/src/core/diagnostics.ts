/**
 * Observability: every `node:diagnostics_channel` channel lr publishes on, declared here and only
 * here (the same shape as undici's `lib/core/diagnostics.js`). Subscribe by name with
 * `diagnostics_channel.subscribe("lr:connection:open", fn)` or through {@link diagnostics}. Nothing is
 * built or published while a channel has no subscribers (publishers check `hasSubscribers` first).
 * `NODE_DEBUG=lr` subscribes a logger that prints one line per event to stderr (`util.debuglog`).
 *
 * | channel | published when | message |
 * | --- | --- | --- |
 * | `lr:reactor:run` | `run()` begins starting up | {@link ReactorRunMessage} |
 * | `lr:reactor:stop` | the reactor has fully stopped (just before `run()` resolves) | {@link ReactorStopMessage} |
 * | `lr:port:listening` | a listening port is bound | {@link PortListeningMessage} |
 * | `lr:port:close` | a listening port has closed | {@link PortCloseMessage} |
 * | `lr:connection:open` | a connection is made (accepted or connected), before `connectionMade` | {@link ConnectionOpenMessage} |
 * | `lr:connection:close` | a connection is closed, before `connectionLost` | {@link ConnectionCloseMessage} |
 * | `lr:connection:error` | a connection attempt failed, or a protocol callback threw and its connection is aborted | {@link ConnectionErrorMessage} |
 * | `lr:line:too-long` | a line receiver got a line over its `MAX_LENGTH` | {@link LineTooLongMessage} |
 * | `lr:thread:job` | a `deferToThread` / `runInThread` job settled | {@link ThreadJobMessage} |
 *
 * @module
 */
import { channel } from "node:diagnostics_channel";
import { debuglog } from "node:util";
import type { Address } from "./address.js";
import type { ChannelMessages, ChannelName } from "./diagnostics-messages.js";

export type {
  ChannelMessages,
  ChannelName,
  ConnectionCloseMessage,
  ConnectionErrorMessage,
  ConnectionOpenMessage,
  ConnectionSide,
  LineTooLongMessage,
  PortCloseMessage,
  PortListeningMessage,
  ReactorRunMessage,
  ReactorStopMessage,
  ThreadJobMessage,
} from "./diagnostics-messages.js";

/** A `node:diagnostics_channel` channel whose messages are `M` (a typed view of Node's `Channel`). */
export interface DiagnosticsChannel<M> {
  /** The channel's name, e.g. `"lr:connection:open"`. */
  readonly name: string | symbol;
  /** `true` while anyone subscribes: publishers build no message otherwise. */
  readonly hasSubscribers: boolean;
  /** Calls `onMessage` with every message published from now on. */
  subscribe(onMessage: (message: M, name: string | symbol) => void): void;
  /** Removes a subscriber added with {@link DiagnosticsChannel.subscribe}; `false` if it was not one. */
  unsubscribe(onMessage: (message: M, name: string | symbol) => void): boolean;
  /** Sends `message` to the subscribers (lr publishes; you subscribe). */
  publish(message: M): void;
}

function typed<N extends ChannelName>(name: N): DiagnosticsChannel<ChannelMessages[N]> {
  return channel(name) as unknown as DiagnosticsChannel<ChannelMessages[N]>;
}

/** Every channel lr publishes on, by short name. The table above lists their names and messages. */
export const diagnostics = {
  /** `lr:reactor:run` */
  reactorRun: typed("lr:reactor:run"),
  /** `lr:reactor:stop` */
  reactorStop: typed("lr:reactor:stop"),
  /** `lr:port:listening` */
  portListening: typed("lr:port:listening"),
  /** `lr:port:close` */
  portClose: typed("lr:port:close"),
  /** `lr:connection:open` */
  connectionOpen: typed("lr:connection:open"),
  /** `lr:connection:close` */
  connectionClose: typed("lr:connection:close"),
  /** `lr:connection:error` */
  connectionError: typed("lr:connection:error"),
  /** `lr:line:too-long` */
  lineTooLong: typed("lr:line:too-long"),
  /** `lr:thread:job` */
  threadJob: typed("lr:thread:job"),
} as const;

// ---------------------------------------------------------------- NODE_DEBUG=lr
// One line per event on stderr through util.debuglog("lr") (`LR <pid>: lr:connection:open server
// 127.0.0.1:8000 <- 127.0.0.1:51234`). Subscribes only when enabled: without NODE_DEBUG=lr the
// channels keep no subscriber and cost nothing.

type Formatters = { [N in ChannelName]: (message: ChannelMessages[N]) => string };

// Peer-controlled text (error messages may quote input) must not reach the terminal raw.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
function clean(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

function addr(a: Address | null | undefined): string {
  if (!a) return "-";
  if (a.type === "UNIX") return `unix:${a.path ?? "(unnamed)"}`;
  return a.host.includes(":") ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

function err(e: Error | undefined, code: string | undefined): string {
  if (!e) return "";
  return clean(`${code ?? e.name}: ${e.message}`);
}

/** One line of text per message, by channel. */
export const formatters: Formatters = {
  "lr:reactor:run": () => "run",
  "lr:reactor:stop": (m) => `stopped after ${m.durationMs.toFixed(1)} ms`,
  "lr:port:listening": (m) => `listening on ${addr(m.address)}`,
  "lr:port:close": (m) => `closed ${addr(m.address)}`,
  "lr:connection:open": (m) =>
    `${m.side} ${addr(m.host)} ${m.side === "server" ? "<-" : "->"} ${addr(m.peer)}`,
  "lr:connection:close": (m) =>
    `${m.side} ${addr(m.transport.getHost())} ${m.side === "server" ? "<-" : "->"} ${addr(
      m.transport.getPeer(),
    )} ${err(m.reason, m.code)}`,
  "lr:connection:error": (m) => `${m.during} ${err(m.error, m.code)}`,
  "lr:line:too-long": (m) => `line of ${m.length} bytes over MAX_LENGTH ${m.maxLength}`,
  "lr:thread:job": (m) =>
    `${clean(m.module)}#${clean(m.exportName)} ${m.outcome} in ${m.durationMs.toFixed(1)} ms${
      m.error ? ` ${err(m.error, (m.error as Error & { code?: unknown }).code as string)}` : ""
    }`,
};

/** Subscribes the `NODE_DEBUG=lr` logger to every channel, if `NODE_DEBUG` names `lr`. */
export function installDebugLog(): void {
  const log = debuglog("lr");
  if (!log.enabled) return;
  for (const name of Object.keys(formatters) as ChannelName[]) {
    const format = formatters[name] as (message: unknown) => string;
    channel(name).subscribe((message) => {
      let text: string;
      try {
        text = format(message);
      } catch {
        text = "(unprintable message)";
      }
      log("%s %s", name, text);
    });
  }
}

installDebugLog();

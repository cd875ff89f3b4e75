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
import { installDebugLog } from "./diagnostics-debug.js";
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

installDebugLog();

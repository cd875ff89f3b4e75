/**
 * `NODE_DEBUG=lr`: one line per diagnostics event on stderr, through `util.debuglog("lr")` (so the
 * line reads `LR <pid>: lr:connection:open server 127.0.0.1:8000 <- 127.0.0.1:51234`). Subscribes
 * only when enabled: without `NODE_DEBUG=lr` the channels keep no subscriber and cost nothing.
 */
import { channel } from "node:diagnostics_channel";
import { debuglog } from "node:util";
import type { Address } from "./address.js";
import type { ChannelMessages, ChannelName } from "./diagnostics-messages.js";

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

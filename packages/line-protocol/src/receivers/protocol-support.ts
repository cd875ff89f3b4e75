/** Small pieces shared by the protocol classes (internal). */
import type { Transport } from "@lr/reactor";
import { toBytes } from "../bytes.js";

/** Promises returned by async handlers during one `dataReceived` call, or `null`. */
export type PendingResults = PromiseLike<unknown>[] | null;

/**
 * Remembers `result` if it is a thenable (an `async` handler), so `dataReceived` can return it and
 * the reactor reports a rejection like a throw. Other values are ignored.
 */
export function collectThenable(pending: PendingResults, result: unknown): PendingResults {
  if (result === null || (typeof result !== "object" && typeof result !== "function"))
    return pending;
  if (typeof (result as PromiseLike<unknown>).then !== "function") return pending;
  const list = pending ?? [];
  list.push(result as PromiseLike<unknown>);
  return list;
}

/** Returns what `dataReceived` should return for the collected results. */
export function settle(pending: PendingResults): unknown {
  if (pending === null) return undefined;
  return pending.length === 1 ? pending[0] : Promise.all(pending);
}

/** A delimiter as bytes (strings are UTF-8). */
export function delimiterBytes(delimiter: string | Uint8Array): Uint8Array {
  return toBytes(delimiter);
}

/** `sendLine` of the line protocols: `line` then `delimiter` in one write (strings as UTF-8). */
export function writeLine(
  transport: Transport | null,
  line: string | Uint8Array,
  delimiter: string | Uint8Array,
): void {
  if (transport === null) return;
  if (typeof line === "string" && typeof delimiter === "string") transport.write(line + delimiter);
  else transport.writeSequence([line, delimiter]);
}

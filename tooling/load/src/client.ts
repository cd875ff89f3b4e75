/**
 * Client-side load: blast pre-built payloads, hold idle connections, connect storms. Used by the
 * load generator process and directly by the fault suite. Loopback only; everything is bounded by a
 * deadline.
 */
import { connect, type Socket } from "node:net";

/** Where to connect. */
export interface Target {
  readonly host: string;
  readonly port: number;
}

const CHUNK = 256 * 1024;

/**
 * Connects, writes `payload` as fast as the socket takes it (in 256 KiB slices, waiting for
 * `drain` whenever `write()` says the buffer is full), half-closes and resolves when the server has
 * closed the connection. Rejects on a socket error.
 */
export function sendAll(target: Target, payload: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.host, port: target.port });
    let offset = 0;
    const pump = (): void => {
      while (offset < payload.length) {
        const end = Math.min(offset + CHUNK, payload.length);
        const ok = socket.write(payload.subarray(offset, end));
        offset = end;
        if (!ok) {
          socket.once("drain", pump);
          return;
        }
      }
      socket.end();
    };
    socket.once("connect", pump);
    socket.on("data", () => {}); // whatever the server says is discarded
    socket.once("error", reject);
    socket.once("close", (hadError) => {
      if (!hadError) resolve();
    });
  });
}

/** Result of {@link blast}. */
export interface BlastResult {
  readonly elapsedMs: number;
  readonly bytes: number;
  readonly connections: number;
}

/** Sends every payload on its own connection at once; resolves when all were closed by the server. */
export async function blast(target: Target, payloads: readonly Uint8Array[]): Promise<BlastResult> {
  const bytes = payloads.reduce((n, p) => n + p.length, 0);
  const t0 = performance.now();
  await Promise.all(payloads.map((p) => sendAll(target, p)));
  return { elapsedMs: performance.now() - t0, bytes, connections: payloads.length };
}

/** Opens one connection and resolves once it is connected. */
export function open(target: Target): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.host, port: target.port });
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

/**
 * Opens `count` connections, at most `concurrency` attempts in flight, and has each send `greeting`
 * (if any). Resolves with the open sockets; they stay open until the caller destroys them.
 */
export async function openIdle(
  target: Target,
  count: number,
  concurrency = 200,
  greeting?: string,
): Promise<Socket[]> {
  const sockets: Socket[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      const s = await open(target);
      s.on("error", () => {}); // a server going away later is not this function's business
      if (greeting) s.write(greeting);
      sockets.push(s);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return sockets;
}

/** Result of {@link storm}. */
export interface StormResult {
  readonly elapsedMs: number;
  readonly ok: number;
  readonly failed: number;
}

/**
 * Connects and closes `count` times, all at once (or `concurrency` at a time): each connection
 * sends `line` (if given), half-closes, and counts as ok when the server closes it cleanly.
 */
export async function storm(
  target: Target,
  count: number,
  concurrency = count,
  line?: string,
): Promise<StormResult> {
  let ok = 0;
  let failed = 0;
  let next = 0;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const s = connect({ host: target.host, port: target.port });
      s.once("connect", () => (line === undefined ? s.end() : s.end(line)));
      s.on("data", () => {});
      s.once("error", () => {});
      s.once("close", (hadError) => {
        if (hadError) failed++;
        else ok++;
        resolve();
      });
    });
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      await one();
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { elapsedMs: performance.now() - t0, ok, failed };
}

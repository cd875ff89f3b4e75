/**
 * Faults inside the server process, on @lr/reactor directly: a protocol callback that throws under
 * load, and a client that never reads while the server writes (backpressure).
 */
import { connect, type Socket } from "node:net";
import { ConnectionAborted, Protocol } from "@lr/reactor";
import { afterEach, describe, expect, it } from "vitest";
import { sendAll } from "../client.js";
import { buildPayload, checkOrder } from "../payload.js";
import { LineSplitter, type RunningServer, runServer } from "./reactor-server.js";

let server: RunningServer | null = null;
afterEach(async () => {
  await server?.stop();
  server = null;
});

describe("an exception thrown in a protocol callback under load", () => {
  it("drops only that connection; every other connection delivers every line in order", async () => {
    const CLIENTS = 20;
    const LINES = 2000;
    const BOOM_CONN = 7;
    const BOOM_AT = 1000;
    const received: string[] = [];
    const lost = new Map<number, Error>();
    let nextId = 0;

    class Fragile extends Protocol {
      readonly id = nextId++;
      readonly #lines = new LineSplitter();
      override dataReceived(data: Uint8Array): void {
        this.#lines.push(data, (line) => {
          if (line.startsWith(`${BOOM_CONN}:${BOOM_AT}x`)) throw new Error("boom in lineReceived");
          received.push(line);
        });
      }
      override connectionLost(reason: Error): void {
        super.connectionLost(reason);
        lost.set(this.id, reason);
      }
    }
    server = await runServer(() => new Fragile());
    const target = { host: "127.0.0.1", port: server.port };

    const results = await Promise.allSettled(
      Array.from({ length: CLIENTS }, (_, c) => sendAll(target, buildPayload(c, LINES, 24))),
    );

    const perConn = checkOrder(received);
    for (let c = 0; c < CLIENTS; c++) {
      if (c === BOOM_CONN)
        expect(perConn.get(c)).toBe(BOOM_AT); // every line before the bad one, none after
      else {
        expect(perConn.get(c)).toBe(LINES);
        expect(results[c]?.status).toBe("fulfilled");
      }
    }
    expect(lost.size).toBe(CLIENTS);
    const aborted = [...lost.values()].filter((r) => r instanceof ConnectionAborted);
    expect(aborted).toHaveLength(1);
    expect((aborted[0] as ConnectionAborted).code).toBe("ERR_CONNECTION_ABORTED");
    const errors = server.logged.filter((e) => e.level === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]?.error).toBeInstanceOf(Error);
    expect((errors[0]?.error as Error | undefined)?.message).toBe("boom in lineReceived");
    expect(server.reactor.running).toBe(true);
  });
});

/** Resolves after `turns` event-loop turns in a row in which `changed()` stayed false (bounded). */
function quiet(changed: () => boolean, turns: number, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    let still = 0;
    const tick = (): void => {
      if (Date.now() > deadline) {
        reject(new Error("never went quiet"));
        return;
      }
      still = changed() ? 0 : still + 1;
      if (still >= turns) resolve();
      else setImmediate(tick);
    };
    setImmediate(tick);
  });
}

describe("a client that never reads while the server writes", () => {
  it("pauses reading on the server (bounded buffer) and loses nothing once the client reads", async () => {
    const TOTAL = 32 * 1024 * 1024;
    let serverReceived = 0;
    let maxBuffered = 0;
    let pauses = 0;
    let onPause: () => void = () => {};
    const paused = new Promise<void>((r) => {
      onPause = r;
    });

    // Echo, with the transport's own reading registered as the streaming producer of what it
    // writes: when the outgoing buffer is full, reading stops (Twisted's idiom for a proxy/echo).
    class Echo extends Protocol {
      override connectionMade(): void {
        const t = this.transport;
        if (!t) return;
        t.registerProducer(
          {
            pauseProducing: () => {
              pauses++;
              t.pauseProducing();
              onPause();
            },
            resumeProducing: () => t.resumeProducing(),
            stopProducing: () => {},
          },
          true,
        );
      }
      override dataReceived(data: Uint8Array): void {
        serverReceived += data.byteLength;
        this.transport?.write(data);
        const buffered = (this.transport as unknown as { bufferedAmount: number }).bufferedAmount;
        if (buffered > maxBuffered) maxBuffered = buffered;
      }
    }
    server = await runServer(() => new Echo());

    const client: Socket = connect({ host: "127.0.0.1", port: server.port });
    await new Promise<void>((r) => client.once("connect", () => r()));
    client.pause(); // never reads, for now
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    const pump = (): void => {
      while (sent < TOTAL) {
        sent += chunk.length;
        if (!client.write(chunk)) {
          client.once("drain", pump);
          return;
        }
      }
      client.end();
    };
    pump();

    await paused;
    // Wait until nothing moves any more: the server stopped reading, kernel buffers are full.
    let seen = -1;
    await quiet(() => {
      const changed = serverReceived !== seen;
      seen = serverReceived;
      return changed;
    }, 200);
    expect(serverReceived).toBeLessThan(TOTAL / 2); // the server did not swallow the client's stream
    expect(sent).toBeLessThan(TOTAL); // and the client could not push it all
    expect(maxBuffered).toBeLessThan(2 * 1024 * 1024); // server-side queue stayed bounded

    let echoed = 0;
    client.on("data", (d: Buffer) => {
      echoed += d.length;
    });
    const closed = new Promise<void>((r) => client.once("close", () => r()));
    client.resume();
    await closed;
    expect(echoed).toBe(TOTAL);
    expect(serverReceived).toBe(TOTAL);
    expect(pauses).toBeGreaterThanOrEqual(1);
    expect(maxBuffered).toBeLessThan(2 * 1024 * 1024);
  });
});

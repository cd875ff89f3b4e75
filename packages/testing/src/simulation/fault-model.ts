import type { MemoryNetworkHooks } from "../network/memory-network.js";
import type { MemoryConnector } from "../reactor/memory-connector.js";
import type { MemoryReactor } from "../reactor/memory-reactor.js";
import type { MemoryConnection, MemoryTransport } from "../transport/memory-connection.js";
import type { ResolvedFaults } from "./faults.js";
import type { Prng } from "./prng.js";
import type { SimulationEvent } from "./trace.js";

/** What the fault model needs from its simulation. */
export interface FaultModelOwner {
  now(): number;
  record(event: SimulationEvent): void;
  /** The name of the host `reactor` is (`null` for a reactor the simulation did not create). */
  hostName(reactor: MemoryReactor): string | null;
  /** `true` if `name` is one of the simulation's hosts. */
  isHost(name: string): boolean;
}

interface Link {
  readonly id: number;
  readonly client: string;
  readonly server: string;
  /** Virtual time until which each receiving end does not read. */
  readonly stalledUntil: Map<MemoryTransport, number>;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "::1", "0.0.0.0", "::"]);

function byteLength(data: string | Uint8Array): number {
  return typeof data === "string" ? Buffer.byteLength(data, "utf8") : data.byteLength;
}

function reasonCode(reason: Error): string {
  const code = (reason as { code?: unknown }).code;
  return typeof code === "string" ? code : reason.name;
}

/**
 * The simulation's side of the memory network: every {@link MemoryNetworkHooks} decision, drawn
 * from one seeded generator and recorded in the trace. Internal to `Simulation`.
 */
export class FaultModel implements MemoryNetworkHooks {
  readonly highWaterMark: number | undefined;
  readonly #faults: ResolvedFaults;
  readonly #random: Prng;
  readonly #owner: FaultModelOwner;
  readonly #links = new Map<MemoryConnection, Link>();
  #nextId = 1;

  constructor(faults: ResolvedFaults, random: Prng, owner: FaultModelOwner) {
    this.#faults = faults;
    this.#random = random;
    this.#owner = owner;
    this.highWaterMark = faults.stallMs ? faults.highWaterMark : undefined;
  }

  #host(reactor: MemoryReactor): string {
    return this.#owner.hostName(reactor) ?? "?";
  }

  connectDelay(reactor: MemoryReactor, connector: MemoryConnector): number {
    const range = this.#faults.connectDelayMs;
    if (!range) return 0;
    const ms = this.#random.inRange(range);
    if (ms > 0)
      this.#owner.record({
        t: this.#owner.now(),
        type: "fault",
        fault: "connectDelay",
        host: this.#host(reactor),
        to: connector.describe(),
        ms,
      });
    return ms;
  }

  admit(reactor: MemoryReactor, connector: MemoryConnector, server: MemoryReactor | null): boolean {
    const t = this.#owner.now();
    const host = this.#host(reactor);
    const to = connector.describe();
    if (server === null || !this.#reaches(connector, host, this.#host(server))) {
      this.#owner.record({ t, type: "refused", host, to });
      return false;
    }
    if (this.#random.chance(this.#faults.refuseProbability)) {
      this.#owner.record({ t, type: "fault", fault: "refuse", host, to });
      return false;
    }
    return true;
  }

  /** A TCP destination names the listening host (or loopback, from that same host). */
  #reaches(connector: MemoryConnector, from: string, listening: string): boolean {
    const spec = connector.spec;
    if (spec.type !== "TCP") return true;
    if (this.#owner.isHost(spec.host)) return spec.host === listening;
    return LOOPBACK.has(spec.host) && from === listening;
  }

  established(connection: MemoryConnection, client: MemoryReactor, server: MemoryReactor): void {
    const link: Link = {
      id: this.#nextId++,
      client: this.#host(client),
      server: this.#host(server),
      stalledUntil: new Map(),
    };
    this.#links.set(connection, link);
    const owner = this.#owner;
    owner.record({
      t: owner.now(),
      type: "connected",
      conn: link.id,
      client: link.client,
      server: link.server,
    });
    for (const [end, host] of [
      [connection.client, link.client],
      [connection.server, link.server],
    ] as const) {
      const write = end.write.bind(end);
      end.write = (data: string | Uint8Array): void => {
        if (!end.disconnecting && !end.writeClosed) {
          const bytes = byteLength(data);
          if (bytes > 0)
            owner.record({ t: owner.now(), type: "write", conn: link.id, host, bytes });
        }
        write(data);
      };
      const closed = end.onClosed;
      end.onClosed = (transport, reason) => {
        owner.record({
          t: owner.now(),
          type: "closed",
          conn: link.id,
          host,
          reason: reasonCode(reason),
        });
        if (connection.closed) this.#links.delete(connection);
        closed?.(transport, reason);
      };
    }
  }

  deliveryDelay(connection: MemoryConnection): number {
    const range = this.#faults.latencyMs;
    const latency = range ? this.#random.inRange(range) : 0;
    const link = this.#links.get(connection);
    if (!link) return latency;
    const now = this.#owner.now();
    let delay = Number.POSITIVE_INFINITY;
    let pending = false;
    for (const [from, to] of [
      [connection.client, connection.server],
      [connection.server, connection.client],
    ] as const) {
      if (from.outgoing.length === 0) continue;
      pending = true;
      const until = link.stalledUntil.get(to) ?? 0;
      delay = Math.min(delay, until > now ? Math.max(latency, until - now) : latency);
    }
    if (!pending) delay = latency;
    if (latency > 0)
      this.#owner.record({ t: now, type: "fault", fault: "latency", conn: link.id, ms: latency });
    return delay;
  }

  resetBeforeDelivery(connection: MemoryConnection): boolean {
    if (!connection.pendingBytes || connection.closed) return false;
    if (!this.#random.chance(this.#faults.resetProbability)) return false;
    const link = this.#links.get(connection);
    this.#owner.record({
      t: this.#owner.now(),
      type: "fault",
      fault: "reset",
      conn: link?.id ?? 0,
    });
    return true;
  }

  take(connection: MemoryConnection, from: MemoryTransport, available: number): number {
    const link = this.#links.get(connection);
    if (!link) return available;
    const to = from === connection.client ? connection.server : connection.client;
    const fromHost = from === connection.client ? link.client : link.server;
    const toHost = from === connection.client ? link.server : link.client;
    const now = this.#owner.now();
    const stalled = link.stalledUntil.get(to);
    if (stalled !== undefined && stalled > now) return 0;
    // A receiver that just came back from a stall reads at least once before it may stall again.
    if (stalled !== undefined) link.stalledUntil.delete(to);
    const stall = this.#faults.stallMs;
    if (stall && stalled === undefined && this.#random.chance(this.#faults.stallProbability)) {
      const ms = this.#random.inRange(stall);
      if (ms > 0) {
        link.stalledUntil.set(to, now + ms);
        this.#owner.record({
          t: now,
          type: "fault",
          fault: "stall",
          conn: link.id,
          host: toHost,
          ms,
        });
        return 0;
      }
    }
    let bytes = available;
    if (this.#faults.chunking && available > 1 && this.#random.chance(0.5)) {
      bytes = this.#random.int(1, available - 1);
      this.#owner.record({
        t: now,
        type: "fault",
        fault: "chunk",
        conn: link.id,
        from: fromHost,
        bytes,
        of: available,
      });
    }
    this.#owner.record({
      t: now,
      type: "deliver",
      conn: link.id,
      from: fromHost,
      to: toHost,
      bytes,
    });
    return bytes;
  }
}

import { type DelayedCall, InvalidArgumentError, type Logger } from "@lr/reactor";
import { type Clock, settle } from "@lr/reactor/internal";
import { MemoryNetwork } from "../network/memory-network.js";
import { type MemoryReactor, MemoryReactorClock } from "../reactor/memory-reactor.js";
import type { MemoryThreadJob } from "../reactor/memory-thread-job.js";
import { FaultModel } from "./fault-model.js";
import { type ResolvedFaults, resolveFaults, type SimulationFaults } from "./faults.js";
import { Prng, type Range } from "./prng.js";
import type { SimulationEvent } from "./trace.js";

/** How long a simulated thread job takes, in virtual ms: fixed, drawn in a range, or computed per job. */
export type ThreadJobDuration = number | Range | ((job: MemoryThreadJob) => number);

/** Options of {@link Simulation}. */
export interface SimulationOptions {
  /** The seed of every random decision (a safe integer). The same seed and program replay exactly. */
  readonly seed: number;
  /** The faults the network injects (each off by default). */
  readonly faults?: SimulationFaults;
  /** How long each `deferToThread`/`runInThread` job takes in virtual time (default 0 ms). */
  readonly threadJobMs?: ThreadJobDuration;
  /** What a thread job returns (default `undefined`). */
  readonly threadJobResult?: (job: MemoryThreadJob) => unknown;
  /** Also send every host's log events here (they are always kept in each host's `loggedEvents`). */
  readonly logger?: Logger;
}

/** Options of {@link Simulation.run}. */
export interface SimulationRunOptions {
  /** Stop once virtual time would pass this instant (absolute virtual ms; the clock ends exactly there). */
  readonly untilMs?: number;
  /** Stop as soon as this returns `true` (checked whenever nothing is runnable). */
  readonly until?: () => boolean;
  /** Stop after this many clock advances (default 1,000,000). */
  readonly maxSteps?: number;
}

/** Why {@link Simulation.run} returned. */
export type SimulationStopReason = "until" | "untilMs" | "idle" | "maxSteps";

/** Outcome of {@link Simulation.run}. */
export interface SimulationRunResult {
  /** `until` returned true, `untilMs` was reached, nothing is scheduled any more (`idle`), or `maxSteps`. */
  readonly reason: SimulationStopReason;
  /** Virtual time when the run returned, ms. */
  readonly nowMs: number;
  /** Clock advances this run made. */
  readonly steps: number;
}

const IDLE_TURNS = 3;

/** What a {@link SimulationHost} reports to its simulation. */
interface HostSink {
  record(event: SimulationEvent): void;
  jobDuration(job: MemoryThreadJob): number;
  jobResult(job: MemoryThreadJob): unknown;
}

/**
 * One host of a {@link Simulation}: a {@link MemoryReactorClock} on the simulation's network and
 * clock (the whole `ReactorLike`: listen, connect, `callLater`, `deferToThread`, run/stop), whose
 * activity is recorded in the simulation's trace. Thread jobs complete by themselves in virtual time.
 * Get one with `sim.host(name)`.
 */
export class SimulationHost extends MemoryReactorClock {
  /** The host's name, as given to `sim.host(name)`; other hosts reach its ports by this name. */
  readonly name: string;
  readonly #sink: HostSink;

  /** @internal created by {@link Simulation.host} */
  constructor(name: string, network: MemoryNetwork, sink: HostSink, logger?: Logger) {
    super({ network, ...(logger && { logger }) });
    this.name = name;
    this.#sink = sink;
    this.onThreadJob = (job) => {
      const ms = sink.jobDuration(job);
      sink.record({ t: this.now(), type: "job", host: name, name: job.exportName, ms });
      job.completeAfter(ms, sink.jobResult(job));
    };
  }

  /** Runs the reactor (see {@link MemoryReactor.run}); the start and the stop are traced. */
  override async run(): Promise<void> {
    const starting = this.state === "stopped";
    const stopped = super.run();
    if (starting) this.#sink.record({ t: this.now(), type: "run", host: this.name });
    await stopped;
    this.#sink.record({ t: this.now(), type: "stopped", host: this.name });
  }

  /** Schedules a call (see {@link MemoryReactor.callLater}); the call is traced when it runs. */
  override callLater<A extends unknown[]>(
    delayMs: number,
    fn: (...args: A) => unknown,
    ...args: A
  ): DelayedCall {
    const sink = this.#sink;
    const name = this.name;
    const delay = Math.max(0, delayMs);
    return super.callLater(
      delayMs,
      (...a: A) => {
        sink.record({ t: this.now(), type: "timer", host: name, delayMs: delay });
        return fn(...a);
      },
      ...args,
    );
  }

  /** Listens (see {@link MemoryReactor.listenTCP}); traced. */
  override listenTCP(
    ...args: Parameters<MemoryReactor["listenTCP"]>
  ): ReturnType<MemoryReactor["listenTCP"]> {
    const listening = super.listenTCP(...args);
    const [port, , options] = args;
    this.#record("listen", `${options?.host || "*"}:${port}`);
    return listening;
  }

  /** Listens (see {@link MemoryReactor.listenUNIX}); traced. */
  override listenUNIX(
    ...args: Parameters<MemoryReactor["listenUNIX"]>
  ): ReturnType<MemoryReactor["listenUNIX"]> {
    const listening = super.listenUNIX(...args);
    this.#record("listen", `unix:${args[0]}`);
    return listening;
  }

  /** Connects (see {@link MemoryReactor.connectTCP}); `host` is another host's name, or loopback for this one. Traced. */
  override connectTCP(
    ...args: Parameters<MemoryReactor["connectTCP"]>
  ): ReturnType<MemoryReactor["connectTCP"]> {
    this.#record("connect", `${args[0]}:${args[1]}`);
    return super.connectTCP(...args);
  }

  /** Connects (see {@link MemoryReactor.connectUNIX}); traced. */
  override connectUNIX(
    ...args: Parameters<MemoryReactor["connectUNIX"]>
  ): ReturnType<MemoryReactor["connectUNIX"]> {
    this.#record("connect", `unix:${args[0]}`);
    return super.connectUNIX(...args);
  }

  #record(type: "listen" | "connect", where: string): void {
    const t = this.now();
    this.#sink.record(
      type === "listen"
        ? { t, type, host: this.name, at: where }
        : { t, type, host: this.name, to: where },
    );
  }
}

/**
 * A deterministic simulation: named hosts on one virtual clock, joined by a {@link MemoryNetwork}
 * whose deliveries go through a seeded fault model (latency, chunking, resets, refusals, connect
 * delays, stalled receivers). The same seed and program give a deep-equal {@link Simulation.trace},
 * in one process or across processes; nothing in it reads real time or `Math.random`.
 *
 * @example
 * ```ts
 * const sim = new Simulation({ seed: 42, faults: { latencyMs: [0, 50], chunking: true } });
 * const server = sim.host("server");
 * const client = sim.host("client");
 * server.listenTCP(9000, serverFactory);
 * client.connectTCP("server", 9000, clientFactory);
 * void server.run();
 * void client.run();
 * const result = await sim.run({ untilMs: 60_000 });
 * ```
 */
export class Simulation {
  /** The seed given. */
  readonly seed: number;
  /** The faults in effect, defaults filled in. */
  readonly faults: ResolvedFaults;
  /** The network joining the hosts (its hooks are the fault model). */
  readonly network: MemoryNetwork;
  /**
   * A seeded generator for the program itself (inputs, choices), apart from the one that drives the
   * faults: using it never shifts the fault schedule.
   */
  readonly random: Prng;
  readonly #trace: SimulationEvent[] = [];
  readonly #hosts = new Map<string, SimulationHost>();
  readonly #names = new Map<MemoryReactor, string>();
  readonly #jobRandom: Prng;
  readonly #sink: HostSink;
  readonly #logger: Logger | undefined;

  /** Throws `InvalidArgumentError` for a seed that is not a safe integer or a bad fault setting. */
  constructor(options: SimulationOptions) {
    if (options === null || typeof options !== "object" || !Number.isSafeInteger(options.seed))
      throw new InvalidArgumentError(
        `new Simulation({ seed }) needs a safe integer seed, got ${String(options?.seed)}.`,
      );
    this.seed = options.seed;
    this.faults = resolveFaults(options.faults);
    this.random = new Prng(options.seed ^ 0x5eed);
    this.#jobRandom = new Prng(options.seed ^ 0x10b5);
    this.#logger = options.logger;
    const record = (event: SimulationEvent) => {
      this.#trace.push(event);
    };
    const model = new FaultModel(this.faults, new Prng(options.seed), {
      now: () => this.network.clock.now(),
      record,
      hostName: (reactor) => this.#names.get(reactor) ?? null,
      isHost: (name) => this.#hosts.has(name),
    });
    this.network = new MemoryNetwork({ hooks: model });
    const duration = options.threadJobMs ?? 0;
    const result = options.threadJobResult;
    this.#sink = {
      record,
      jobDuration: (job) => {
        const ms =
          typeof duration === "function"
            ? duration(job)
            : typeof duration === "number"
              ? duration
              : this.#jobRandom.inRange(duration);
        return Number.isFinite(ms) && ms > 0 ? ms : 0;
      },
      jobResult: (job) => result?.(job),
    };
  }

  /** The shared virtual clock. */
  get clock(): Clock {
    return this.network.clock;
  }

  /** Every event so far, in order (JSON-serialisable; see {@link SimulationEvent}). */
  get trace(): readonly SimulationEvent[] {
    return this.#trace;
  }

  /** The hosts created so far, in creation order. */
  get hosts(): readonly SimulationHost[] {
    return [...this.#hosts.values()];
  }

  /** Current virtual time, ms. */
  now(): number {
    return this.network.clock.now();
  }

  /** The host called `name` (created on first use). Throws `InvalidArgumentError` for an empty name. */
  host(name: string): SimulationHost {
    if (typeof name !== "string" || name.length === 0)
      throw new InvalidArgumentError("sim.host(name) needs a non-empty name.");
    let host = this.#hosts.get(name);
    if (!host) {
      host = new SimulationHost(name, this.network, this.#sink, this.#logger);
      this.#hosts.set(name, host);
      this.#names.set(host, name);
    }
    return host;
  }

  /**
   * Runs the simulation: lets every Promise continuation run, and only when nothing is runnable
   * advances the clock to the next due call; again, until `until()` is true, `untilMs` is reached,
   * nothing is scheduled any more, or `maxSteps` advances were made. Resolves with why it stopped.
   * An exception thrown by a delayed call rejects it (as `Clock.advance` throws).
   */
  async run(options: SimulationRunOptions = {}): Promise<SimulationRunResult> {
    const { until, untilMs } = options;
    const maxSteps = options.maxSteps ?? 1_000_000;
    if (untilMs !== undefined && !(untilMs >= 0))
      throw new InvalidArgumentError(`run({ untilMs }) needs a time >= 0, got ${String(untilMs)}.`);
    const clock = this.network.clock;
    let steps = 0;
    let idle = 0;
    const done = (reason: SimulationStopReason): SimulationRunResult => ({
      reason,
      nowMs: clock.now(),
      steps,
    });
    for (;;) {
      await settle();
      if (until?.()) return done("until");
      const next = clock.nextTime();
      if (next === undefined) {
        if (++idle >= IDLE_TURNS) return done("idle");
        continue;
      }
      idle = 0;
      if (untilMs !== undefined && next > untilMs) {
        if (untilMs > clock.now()) clock.advance(untilMs - clock.now());
        await settle();
        return done("untilMs");
      }
      if (steps >= maxSteps) return done("maxSteps");
      clock.advance(Math.max(0, next - clock.now()));
      steps++;
    }
  }
}

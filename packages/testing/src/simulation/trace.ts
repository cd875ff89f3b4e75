/**
 * The events a {@link Simulation} records, in the order they happen. Every event is a plain,
 * JSON-serialisable object stamped with `t`, the virtual time in ms; connections are numbered from 1
 * (`conn`) in the order they are set up; hosts are named as given to `sim.host(name)`.
 */
export type SimulationEvent =
  /** A host's reactor started running (`run()`). */
  | { readonly t: number; readonly type: "run"; readonly host: string }
  /** A host's reactor stopped (its `run()` Promise resolved). */
  | { readonly t: number; readonly type: "stopped"; readonly host: string }
  /** A host asked to listen (`listenTCP` / `listenUNIX`). */
  | { readonly t: number; readonly type: "listen"; readonly host: string; readonly at: string }
  /** A host asked to connect (`connectTCP` / `connectUNIX`). */
  | { readonly t: number; readonly type: "connect"; readonly host: string; readonly to: string }
  /** An attempt found nobody listening at its destination (not a fault). */
  | { readonly t: number; readonly type: "refused"; readonly host: string; readonly to: string }
  /** A connection was set up between two hosts. */
  | {
      readonly t: number;
      readonly type: "connected";
      readonly conn: number;
      readonly client: string;
      readonly server: string;
    }
  /** A protocol wrote bytes on its end of a connection. */
  | {
      readonly t: number;
      readonly type: "write";
      readonly conn: number;
      readonly host: string;
      readonly bytes: number;
    }
  /** Bytes moved to a receiver (one `dataReceived`, unless the receiver paused reading). */
  | {
      readonly t: number;
      readonly type: "deliver";
      readonly conn: number;
      readonly from: string;
      readonly to: string;
      readonly bytes: number;
    }
  /** One end of a connection closed; `reason` is the `code` of what its protocol's `connectionLost` got. */
  | {
      readonly t: number;
      readonly type: "closed";
      readonly conn: number;
      readonly host: string;
      readonly reason: string;
    }
  /** A delayed call of a host ran (scheduled `delayMs` earlier). */
  | { readonly t: number; readonly type: "timer"; readonly host: string; readonly delayMs: number }
  /** A thread job (`deferToThread` / `runInThread`) started; it completes `ms` later in virtual time. */
  | {
      readonly t: number;
      readonly type: "job";
      readonly host: string;
      readonly name: string;
      readonly ms: number;
    }
  /** An injected fault (see {@link SimulationFault}). */
  | SimulationFault;

/** An injected fault, as recorded in the trace: one kind per option of `SimulationFaults`. */
export type SimulationFault =
  /** The next delivery on `conn` waits `ms`. */
  | {
      readonly t: number;
      readonly type: "fault";
      readonly fault: "latency";
      readonly conn: number;
      readonly ms: number;
    }
  /** Only `bytes` of the `of` bytes queued by `from` move in this delivery. */
  | {
      readonly t: number;
      readonly type: "fault";
      readonly fault: "chunk";
      readonly conn: number;
      readonly from: string;
      readonly bytes: number;
      readonly of: number;
    }
  /** The network reset `conn`. */
  | { readonly t: number; readonly type: "fault"; readonly fault: "reset"; readonly conn: number }
  /** An attempt from `host` to `to` was refused although someone listens. */
  | {
      readonly t: number;
      readonly type: "fault";
      readonly fault: "refuse";
      readonly host: string;
      readonly to: string;
    }
  /** An attempt from `host` to `to` takes `ms` to complete. */
  | {
      readonly t: number;
      readonly type: "fault";
      readonly fault: "connectDelay";
      readonly host: string;
      readonly to: string;
      readonly ms: number;
    }
  /** `host` stops reading `conn` for `ms`. */
  | {
      readonly t: number;
      readonly type: "fault";
      readonly fault: "stall";
      readonly conn: number;
      readonly host: string;
      readonly ms: number;
    };

/** The kinds of {@link SimulationFault}. */
export type SimulationFaultKind = SimulationFault["fault"];

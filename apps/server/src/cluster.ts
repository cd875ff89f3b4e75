import cluster, { type Worker } from "node:cluster";
import type { ServerOptions } from "./cli.js";
import type { ServerOutput } from "./output.js";
import type { ServerHost, ServerRun } from "./server.js";

/**
 * `--workers N`: N processes, each running its own reactor, share one listening port through
 * node:cluster. The primary owns no reactor: it forks, prints the `listening` line once every
 * worker is bound, relays SIGINT/SIGTERM as stop requests, and prints the summary with the totals
 * summed over the workers. Workers print their own per-connection events (JSON ones carry
 * `"worker":id`).
 */

/** Worker → primary. */
export type WorkerMessage =
  | { readonly type: "lr:listening"; readonly host: string; readonly port: number }
  | { readonly type: "lr:error"; readonly message: string }
  | { readonly type: "lr:stopped"; readonly connections: number; readonly lines: number };

/** Primary → worker. */
export type PrimaryMessage = { readonly type: "lr:stop" } | { readonly type: "lr:force" };

function isMessage<T extends { type: string }>(value: unknown): value is T {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { type?: unknown }).type === "string" &&
    (value as { type: string }).type.startsWith("lr:")
  );
}

/** Process hooks of the primary, injected for tests. */
export interface PrimaryHost {
  error(line: string): void;
  onStopRequest(handler: (count: number) => void): () => void;
}

/**
 * Runs the cluster primary until every worker has exited; resolves with the exit code (0 when
 * every worker stopped cleanly after a stop request).
 */
export function runPrimary(
  options: ServerOptions,
  output: ServerOutput,
  host: PrimaryHost,
): Promise<number> {
  return new Promise<number>((resolve) => {
    const workers = new Map<number, Worker>();
    let listening = 0;
    let stopping = false;
    let failed = false;
    let connections = 0;
    let lines = 0;

    const broadcast = (message: PrimaryMessage): void => {
      for (const w of workers.values()) {
        if (w.isConnected()) w.send(message);
      }
    };

    const unsubscribe = host.onStopRequest((count) => {
      stopping = true;
      broadcast({ type: count === 1 ? "lr:stop" : "lr:force" });
    });

    for (let i = 0; i < options.workers; i++) {
      const worker = cluster.fork();
      workers.set(worker.id, worker);
      worker.on("message", (message: unknown) => {
        if (!isMessage<WorkerMessage>(message)) return;
        switch (message.type) {
          case "lr:listening":
            listening++;
            if (listening === options.workers) {
              output.listening(message.host, message.port);
              output.flush();
            }
            break;
          case "lr:error":
            // Every worker fails the same way (same port): report it once.
            if (!failed) host.error(message.message);
            failed = true;
            stopping = true;
            broadcast({ type: "lr:force" });
            break;
          case "lr:stopped":
            connections += message.connections;
            lines += message.lines;
            break;
        }
      });
    }

    cluster.on("exit", (worker, code, signal) => {
      workers.delete(worker.id);
      if (code !== 0 || !stopping) {
        if (!failed) {
          host.error(
            `worker ${worker.id} exited unexpectedly (${signal ? `signal ${signal}` : `code ${code}`})`,
          );
        }
        failed = true;
        if (!stopping) {
          stopping = true;
          broadcast({ type: "lr:stop" });
        }
      }
      if (workers.size > 0) return;
      unsubscribe();
      if (listening > 0) output.stopped({ connections, lines });
      output.flush();
      resolve(failed ? 1 : 0);
    });
  });
}

/**
 * The {@link ServerHost} of a cluster worker: stop requests come from the primary (and from
 * signals sent to the whole process group, as Ctrl-C does); the address and errors go to the
 * primary instead of the terminal.
 */
export function workerHost(): ServerHost {
  const send = (message: WorkerMessage): void => {
    if (process.connected) process.send?.(message);
  };
  return {
    error: (line) => send({ type: "lr:error", message: line }),
    onListening: (host, port) => send({ type: "lr:listening", host, port }),
    onStopRequest(handler) {
      // A signal and the primary's relay of the same signal are one request, not two.
      const graceful = (): void => handler(1);
      const onMessage = (message: unknown): void => {
        if (!isMessage<PrimaryMessage>(message)) return;
        handler(message.type === "lr:stop" ? 1 : 2);
      };
      process.on("SIGINT", graceful);
      process.on("SIGTERM", graceful);
      process.on("message", onMessage);
      return () => {
        process.off("SIGINT", graceful);
        process.off("SIGTERM", graceful);
        process.off("message", onMessage);
      };
    },
  };
}

/** Reports a worker's totals to the primary, then lets the worker exit. */
export function reportWorkerRun(run: ServerRun): void {
  process.exitCode = run.exitCode;
  if (!process.connected) return;
  process.send?.({ type: "lr:stopped", ...run.totals } satisfies WorkerMessage, () => {
    // A forced stop leaves the reactor closing connections: do not wait for it.
    if (run.exitCode !== 0) process.exit(run.exitCode);
    process.disconnect();
  });
}

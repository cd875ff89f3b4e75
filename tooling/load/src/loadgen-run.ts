/** Runs the load generator as a separate process and returns its JSON result line. */
import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** Path of the built load generator (next to this module in dist/). */
export const LOADGEN = join(dirname(fileURLToPath(import.meta.url)), "loadgen.js");

/** Runs `loadgen.js ...args` to completion; rejects if it exits non-zero or prints no JSON. */
export function runLoadgen<T = Record<string, number>>(
  args: readonly string[],
  fdLimit?: number,
): Promise<T> {
  const child = spawnLoadgen(args, fdLimit);
  return new Promise((resolve, reject) => {
    let last = "";
    let err = "";
    child.stdout?.on("data", (d: Buffer) => {
      last += d.toString();
    });
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.once("exit", (code) => {
      const line = last.trim().split("\n").pop() ?? "";
      if (code !== 0) reject(new Error(`loadgen ${args.join(" ")} exited ${code}: ${err.trim()}`));
      else resolve(JSON.parse(line) as T);
    });
  });
}

/** Starts the load generator in `idle` mode; resolves once all its connections are open. Close its stdin to let it go. */
export function holdIdle(args: readonly string[], fdLimit?: number): Promise<ChildProcess> {
  const child = spawnLoadgen(["idle", ...args], fdLimit, true);
  return new Promise((resolve, reject) => {
    let err = "";
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
    });
    if (!child.stdout) throw new Error("no stdout");
    createInterface({ input: child.stdout }).once("line", () => resolve(child));
    child.once("exit", (code) => reject(new Error(`loadgen idle exited ${code}: ${err.trim()}`)));
  });
}

function spawnLoadgen(
  args: readonly string[],
  fdLimit: number | undefined,
  stdin = false,
): ChildProcess {
  const argv = [process.execPath, LOADGEN, ...args];
  const stdio: ["pipe" | "ignore", "pipe", "pipe"] = [stdin ? "pipe" : "ignore", "pipe", "pipe"];
  return fdLimit === undefined
    ? spawn(argv[0] as string, argv.slice(1), { stdio })
    : spawn("sh", ["-c", `ulimit -n ${fdLimit} && exec "$@"`, "sh", ...argv], { stdio });
}

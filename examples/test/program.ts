// Test helper: runs a built example (dist/<name>.js) as a child process and reads its output.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { fileURLToPath } from "node:url";

const dist = fileURLToPath(new URL("../dist/", import.meta.url));

/** A running example program. */
export interface Program {
  readonly child: ChildProcess;
  /** Everything printed on stdout so far. */
  stdout(): string;
  /** Resolves with the first match of `re` on stdout (waits for output, never for time). */
  waitFor(re: RegExp): Promise<RegExpMatchArray>;
  /** Resolves with the exit code once the program has exited. */
  exited(): Promise<number | null>;
  /** Sends `signal` to the program (by its pid) and resolves with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `node dist/<name>.js ...args`. */
export function start(name: string, args: string[] = []): Program {
  const child = spawn(process.execPath, [`${dist}${name}.js`, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const waiters: (() => void)[] = [];
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    out += d;
    for (const w of waiters.splice(0)) w();
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    err += d;
  });
  const exit = once(child, "exit").then(([code]) => code as number | null);
  void exit.then(() => {
    for (const w of waiters.splice(0)) w();
  });
  let exitedFlag = false;
  void exit.then(() => {
    exitedFlag = true;
  });
  return {
    child,
    stdout: () => out,
    waitFor(re) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = re.exec(out);
          if (m) resolve(m);
          else if (exitedFlag)
            reject(new Error(`${name} exited before printing ${re}:\n${out}\n${err}`));
          else waiters.push(check);
        };
        check();
      });
    },
    exited: () => exit,
    async stop(signal = "SIGTERM") {
      if (!exitedFlag && child.pid !== undefined) process.kill(child.pid, signal);
      return exit;
    },
  };
}

/** A line-oriented TCP client for the tests: connect, send lines, wait for a line. */
export async function lineClient(port: number) {
  const socket: Socket = connect(port, "127.0.0.1");
  await once(socket, "connect");
  let buffer = "";
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  socket.setEncoding("utf8").on("data", (d: string) => {
    buffer += d;
    let i = buffer.indexOf("\r\n");
    while (i >= 0) {
      lines.push(buffer.slice(0, i));
      buffer = buffer.slice(i + 2);
      i = buffer.indexOf("\r\n");
    }
    for (const w of waiters.splice(0)) w();
  });
  return {
    socket,
    send(line: string) {
      socket.write(`${line}\r\n`);
    },
    /** Resolves with the next line not read yet. */
    next(): Promise<string> {
      return new Promise((resolve) => {
        const check = () => {
          const line = lines.shift();
          if (line !== undefined) resolve(line);
          else waiters.push(check);
        };
        check();
      });
    },
    async close() {
      socket.end();
      if (!socket.closed) await once(socket, "close");
    },
  };
}

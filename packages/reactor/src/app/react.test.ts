import { describe, expect, it } from "vitest";
import { ConnectionRefusedError, SystemExit } from "../core/errors.js";
import { nullLogger } from "../core/logger.js";
import { createReactor, type Reactor } from "../node/reactor.js";
import { react } from "./react.js";

function setup() {
  const reactor = createReactor({ logger: nullLogger });
  const lines: string[] = [];
  return {
    reactor,
    lines,
    options: { reactor, stderr: (t: string) => void lines.push(t), setProcessExitCode: false },
  };
}

describe("react", () => {
  it("passes the reactor and argv, runs until main resolves, exit code 0", async () => {
    const { reactor, lines, options } = setup();
    let sawRunning = false;
    const code = await react(
      async (r: Reactor, a: string, b: number) => {
        expect(r).toBe(reactor);
        expect([a, b]).toEqual(["x", 2]);
        await new Promise<void>((resolve) => r.callLater(5, resolve));
        sawRunning = r.running;
      },
      ["x", 2],
      options,
    );
    expect(code).toBe(0);
    expect(sawRunning).toBe(true);
    expect(reactor.state).toBe("stopped");
    expect(lines).toEqual([]);
  });

  it("a main that is already done still lets the reactor start, then stops it", async () => {
    const { reactor, options } = setup();
    let started = false;
    reactor.callWhenRunning(() => {
      started = true;
    });
    expect(await react(() => 42, [], options)).toBe(0);
    expect(started).toBe(true);
  });

  it("an expected (coded) error: exit 1 and one line, no stack", async () => {
    const { lines, options } = setup();
    const code = await react(
      async () => {
        throw new ConnectionRefusedError("127.0.0.1:9");
      },
      [],
      options,
    );
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(
      "ConnectionRefusedError [ERR_CONNECTION_REFUSED]: Connection was refused by 127.0.0.1:9.\n",
    );
  });

  it("an unexpected error: exit 1 and its stack", async () => {
    const { lines, options } = setup();
    const code = await react(
      () => {
        throw new TypeError("bug");
      },
      [],
      options,
    );
    expect(code).toBe(1);
    expect(lines[0]).toContain("TypeError: bug\n    at ");
  });

  it("SystemExit sets the exit code", async () => {
    const { lines, options } = setup();
    expect(
      await react(async () => Promise.reject(new SystemExit(3, "nothing to do")), [], options),
    ).toBe(3);
    expect(lines).toEqual(["nothing to do\n"]);
    expect(await react(async () => Promise.reject(new SystemExit(0)), [], options)).toBe(0);
    expect(lines).toHaveLength(1);
  });

  it("someone else stopping the reactor while main is pending: exit code 0", async () => {
    const { reactor, options } = setup();
    const code = await react(
      (r) => {
        r.callLater(1, () => void r.stop());
        return new Promise(() => {});
      },
      [],
      options,
    );
    expect(code).toBe(0);
    expect(reactor.getResources()).toEqual([]);
  });

  it("sets process.exitCode by default", async () => {
    const { reactor } = setup();
    const previous = process.exitCode;
    try {
      await react(async () => Promise.reject(new SystemExit(5, "five")), [], {
        reactor,
        stderr: () => {},
      });
      expect(process.exitCode).toBe(5);
    } finally {
      process.exitCode = previous;
    }
  });
});

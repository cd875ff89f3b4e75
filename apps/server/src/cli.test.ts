import { describe, expect, it } from "vitest";
import { parseServerArgs, SERVER_DEFAULTS, SERVER_HELP, UsageError } from "./cli.js";

function run(argv: string[]) {
  const cmd = parseServerArgs(argv);
  if (cmd.kind !== "run") throw new Error(`expected run, got ${cmd.kind}`);
  return cmd.options;
}

describe("parseServerArgs", () => {
  it("defaults to the seed's port 9000 on 127.0.0.1, 16384-byte lines, text output, one worker", () => {
    expect(run([])).toEqual({
      port: 9000,
      host: "127.0.0.1",
      maxLineLength: 16384,
      json: false,
      quiet: false,
      workers: 1,
      greet: undefined,
      delimiter: "crlf",
      idleTimeout: 60,
      lineTimeout: 30,
      maxConnections: 10000,
      maxConnectionsPerPeer: 0,
      shutdownTimeout: 10,
    });
  });

  it("reads every flag", () => {
    expect(
      run([
        "--port",
        "0",
        "--host",
        "::1",
        "--max-line-length",
        "10",
        "--json",
        "--quiet",
        "--workers",
        "2",
        "--greet",
        "hi",
        "--delimiter",
        "lf",
        "--idle-timeout",
        "1.5",
        "--line-timeout",
        "2",
        "--max-connections",
        "3",
        "--max-connections-per-peer",
        "4",
        "--shutdown-timeout",
        "0.5",
      ]),
    ).toEqual({
      port: 0,
      host: "::1",
      maxLineLength: 10,
      json: true,
      quiet: true,
      workers: 2,
      greet: "hi",
      delimiter: "lf",
      idleTimeout: 1.5,
      lineTimeout: 2,
      maxConnections: 3,
      maxConnectionsPerPeer: 4,
      shutdownTimeout: 0.5,
    });
    expect(run(["--port=1234"]).port).toBe(1234);
  });

  it("skips the leading -- that pnpm passes through (pnpm start -- --port 0)", () => {
    expect(run(["--", "--port", "1234"]).port).toBe(1234);
  });

  it("--help and --version win over the rest", () => {
    expect(parseServerArgs(["--port", "1", "--help"]).kind).toBe("help");
    expect(parseServerArgs(["-h"]).kind).toBe("help");
    expect(parseServerArgs(["--version"]).kind).toBe("version");
  });

  it.each([
    [["--port", "x"], '--port expects an integer, got "x"'],
    [["--port", "65536"], "--port must be between 0 and 65535, got 65536"],
    [["--port", "1.5"], '--port expects an integer, got "1.5"'],
    [["--max-line-length", "0"], "--max-line-length must be between 1 and 1073741824, got 0"],
    [["--workers", "0"], "--workers must be between 1 and 256, got 0"],
    [["--host", ""], "--host expects an address, got an empty string"],
    [["--delimiter", "cr"], '--delimiter expects crlf or lf, got "cr"'],
    [["--idle-timeout=-1"], '--idle-timeout expects a number of seconds, got "-1"'],
    [["--shutdown-timeout", "0"], "--shutdown-timeout must be more than 0 seconds"],
    [["--max-connections", "0"], "--max-connections must be between 1 and 1000000, got 0"],
    [["--greet", "a\nb"], "--greet must be a single line"],
    [["--nope"], "Unknown option '--nope' (see --help)"],
    [["--port"], "Option '--port <value>' argument missing (see --help)"],
    [["stray"], "Unexpected argument 'stray' (see --help)"],
  ])("rejects %j with one line", (argv, message) => {
    expect(() => parseServerArgs(argv)).toThrow(new UsageError(message));
    try {
      parseServerArgs(argv);
    } catch (error) {
      expect(String((error as Error).message)).not.toContain("\n");
    }
  });

  it("the help documents every flag with its default", () => {
    for (const flag of [
      "--port",
      "--host",
      "--max-line-length",
      "--json",
      "--quiet",
      "--workers",
      "--greet",
      "--delimiter",
      "--idle-timeout",
      "--line-timeout",
      "--max-connections",
      "--max-connections-per-peer",
      "--shutdown-timeout",
      "--help",
      "--version",
    ]) {
      expect(SERVER_HELP).toContain(flag);
    }
    for (const value of Object.values(SERVER_DEFAULTS))
      expect(SERVER_HELP).toContain(`(default ${value})`);
    // How lines end, and how to type them with nc; how peer bytes are printed.
    expect(SERVER_HELP).toContain("nc -C");
    expect(SERVER_HELP).toContain("\\x1b");
  });
});

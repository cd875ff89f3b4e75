import { describe, expect, it } from "vitest";
import { CLIENT_DEFAULTS, CLIENT_HELP, parseClientArgs, UsageError } from "./cli.js";

function run(argv: string[]) {
  const cmd = parseClientArgs(argv);
  if (cmd.kind !== "run") throw new Error(`expected run, got ${cmd.kind}`);
  return cmd.options;
}

describe("parseClientArgs", () => {
  it("defaults to the seed: localhost:9000, 3 tries, 5 s job, 5 s linger, 'finished'", () => {
    expect(run([])).toEqual({
      host: "localhost",
      port: 9000,
      tries: 3,
      work: 5,
      linger: 5,
      message: "finished",
      json: false,
      connectTimeout: 30,
    });
  });

  it("reads every flag; seconds may be fractional", () => {
    expect(
      run([
        "--host",
        "127.0.0.1",
        "--port",
        "1",
        "--tries",
        "7",
        "--work",
        "0.25",
        "--linger",
        ".5",
        "--message",
        "ok ✓",
        "--json",
        "--connect-timeout",
        "2.5",
      ]),
    ).toEqual({
      host: "127.0.0.1",
      port: 1,
      tries: 7,
      work: 0.25,
      linger: 0.5,
      message: "ok ✓",
      json: true,
      connectTimeout: 2.5,
    });
  });

  it("skips the leading -- that pnpm passes through (pnpm start -- --port 0)", () => {
    expect(run(["--", "--port", "1234"]).port).toBe(1234);
  });

  it("--help and --version", () => {
    expect(parseClientArgs(["--help"]).kind).toBe("help");
    expect(parseClientArgs(["--version"]).kind).toBe("version");
  });

  it.each([
    [["--port", "0"], "--port must be between 1 and 65535, got 0"],
    [["--tries", "0"], "--tries must be between 1 and 1000000, got 0"],
    [["--tries", "2.5"], '--tries expects an integer, got "2.5"'],
    [["--work", "soon"], '--work expects a number of seconds, got "soon"'],
    [["--linger", "1e3"], '--linger expects a number of seconds, got "1e3"'],
    [["--message", "a\r\nb"], "--message must be a single line"],
    [["--host", ""], "--host expects a host name, got an empty string"],
    [["--bogus"], "Unknown option '--bogus' (see --help)"],
  ])("rejects %j with one line", (argv, message) => {
    expect(() => parseClientArgs(argv)).toThrow(new UsageError(message));
  });

  it("turns parseArgs' multi-line messages into one line", () => {
    // Node's wording varies between versions: assert the shape, not the words.
    expect(() => parseClientArgs(["--work", "-1"])).toThrow(UsageError);
    try {
      parseClientArgs(["--work", "-1"]);
    } catch (error) {
      expect((error as Error).message).toMatch(/^Option '--work.*\(see --help\)$/);
      expect((error as Error).message).not.toContain("\n");
    }
  });

  it("the help documents every flag with its default", () => {
    for (const flag of [
      "--host",
      "--port",
      "--tries",
      "--work",
      "--linger",
      "--message",
      "--json",
      "--help",
      "--version",
    ]) {
      expect(CLIENT_HELP).toContain(flag);
    }
    for (const value of Object.values(CLIENT_DEFAULTS))
      expect(CLIENT_HELP).toContain(`(default ${value})`);
  });
});

// NODE_DEBUG=lr: one line per event on stderr, nothing without it, and no raw control characters.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { tcpAddress } from "./address.js";
import { formatters } from "./diagnostics.js";

const run = promisify(execFile);
const tsx = fileURLToPath(new URL("../../../../node_modules/tsx/dist/cli.mjs", import.meta.url));
const channelsModule = fileURLToPath(new URL("./diagnostics.ts", import.meta.url));

// A child that loads the channels module and publishes one message on two channels.
const program = `
const { diagnostics: channels } = await import(${JSON.stringify(channelsModule)});
channels.lineTooLong.publish({ protocol: {}, length: 20000, maxLength: 16384 });
channels.connectionError.publish({ reactor: {}, during: "connect", transport: null,
  error: Object.assign(new Error("refused \\u001b[31mred\\u001b[0m"), { code: "ERR_CONNECTION_REFUSED" }),
  code: "ERR_CONNECTION_REFUSED" });
console.log("published", channels.lineTooLong.hasSubscribers);
`;

async function child(env: NodeJS.ProcessEnv) {
  const { NODE_DEBUG: _drop, ...rest } = process.env;
  return run(process.execPath, [tsx, "--input-type=module", "-e", program], {
    env: { ...rest, ...env },
    timeout: 30_000,
  });
}

describe("NODE_DEBUG=lr", () => {
  it("prints one line per event, control characters escaped", async () => {
    const { stdout, stderr } = await child({ NODE_DEBUG: "lr" });
    expect(stdout.trim()).toBe("published true");
    const lines = stderr.split("\n").filter((l) => l.startsWith("LR "));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^LR \d+: lr:line:too-long line of 20000 bytes over MAX_LENGTH 16384$/,
    );
    expect(lines[1]).toMatch(
      /^LR \d+: lr:connection:error connect ERR_CONNECTION_REFUSED: refused \\x1b\[31mred\\x1b\[0m$/,
    );
    expect(stderr).not.toContain("\u001b");
  }, 60_000);

  it("subscribes nothing without it", async () => {
    const { stdout, stderr } = await child({});
    expect(stdout.trim()).toBe("published false");
    expect(stderr).not.toMatch(/^LR /m);
  }, 60_000);
});

describe("formatters", () => {
  it("name both ends of a connection, IPv6 hosts bracketed", () => {
    const line = formatters["lr:connection:open"]({
      reactor: {} as never,
      transport: {} as never,
      protocol: {} as never,
      side: "client",
      host: tcpAddress("::1", 40000),
      peer: tcpAddress("::1", 8000),
    });
    expect(line).toBe("client [::1]:40000 -> [::1]:8000");
  });
});

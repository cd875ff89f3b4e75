import { once } from "node:events";
import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type Program, start } from "../test/program.js";

let program: Program | undefined;
let server: Server | undefined;
afterEach(async () => {
  await program?.stop("SIGKILL");
  program = undefined;
  server?.close();
  server = undefined;
});

describe("reconnecting-client", () => {
  it("retries a refused port, then reconnects after each lost connection", async () => {
    // A free port with nothing listening yet: the first attempts are refused.
    const probe = createServer().listen(0, "127.0.0.1");
    await once(probe, "listening");
    const address = probe.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    probe.close();
    await once(probe, "close");

    program = start("reconnecting-client", [String(address.port), "3"]);
    await program.waitFor(/connection failed \(ERR_CONNECTION_REFUSED\), retrying/);
    let n = 0;
    // Each session: one greeting line, then the server closes the connection.
    server = createServer((socket) => socket.end(`welcome #${++n}\r\n`));
    server.listen(address.port, "127.0.0.1");
    await once(server, "listening");
    expect(await program.exited()).toBe(0);
    const out = program.stdout();
    expect(out).toContain("session 1: welcome #1");
    expect(out).toContain("session 3: welcome #3");
    expect(out).toContain("connection lost, reconnecting");
    expect(out).toContain("done after 3 sessions");
  });
});

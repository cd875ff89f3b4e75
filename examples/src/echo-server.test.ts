import { once } from "node:events";
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type Program, start } from "../test/program.js";

let program: Program | undefined;
afterEach(async () => {
  await program?.stop("SIGKILL");
  program = undefined;
});

describe("echo-server", () => {
  it("echoes what a client sends, and stops cleanly on SIGTERM", async () => {
    program = start("echo-server", ["0"]);
    const [, port] = await program.waitFor(/listening on 127\.0\.0\.1:(\d+)/);
    const socket = connect(Number(port), "127.0.0.1");
    await once(socket, "connect");
    socket.write("hello, echo");
    const [data] = await once(socket, "data");
    expect(String(data)).toBe("hello, echo");
    socket.end();
    await once(socket, "close");
    expect(await program.stop("SIGTERM")).toBe(0);
    expect(program.stdout()).toContain("echo server stopped");
  });
});

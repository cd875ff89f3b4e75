import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  clientFactoryOf,
  Recorder,
  serverFactoryOf,
  start,
  testReactor,
  whenReceived,
} from "../../test/helpers.js";

const dir = mkdtempSync(join(tmpdir(), "lr-unix-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

class Echo extends Recorder {
  override dataReceived(d: Uint8Array): void {
    super.dataReceived(d);
    this.transport?.write(d);
  }
}

describe("UNIX sockets", () => {
  it("round-trips data; addresses are UNIX addresses; the socket file is removed at stop", async () => {
    const r = testReactor();
    const path = join(dir, "echo.sock");
    const port = r.listenUNIX(path, serverFactoryOf(new Echo()));
    const { done } = await start(r);
    expect(await port.whenListening()).toEqual({ type: "UNIX", path });
    const client = new Recorder();
    const connector = r.connectUNIX(path, clientFactoryOf(client));
    expect(connector.getDestination()).toEqual({ type: "UNIX", path });
    await client.made.promise;
    expect(client.transport?.getPeer()).toEqual({ type: "UNIX", path });
    const echoed = whenReceived(client, (p) => p.text() === "over unix");
    client.transport?.write("over unix");
    await echoed;
    // TCP-only options are no-ops
    client.transport?.setTcpNoDelay(true);
    client.transport?.setTcpKeepAlive(true);
    await r.stop();
    await done;
    expect(existsSync(path)).toBe(false);
    expect(r.getResources()).toEqual([]);
  });

  it("restarts on the same path", async () => {
    const r = testReactor();
    const path = join(dir, "again.sock");
    for (let i = 0; i < 3; i++) {
      const port = r.listenUNIX(path, serverFactoryOf(new Echo()));
      const { done } = await start(r);
      await port.whenListening();
      const client = new Recorder();
      r.connectUNIX(path, clientFactoryOf(client));
      await client.made.promise;
      await r.stop();
      await done;
    }
    expect(r.getResources()).toEqual([]);
  });

  it("a missing path is refused (ERR_CONNECTION_REFUSED)", async () => {
    const r = testReactor();
    const { done } = await start(r);
    const cf = clientFactoryOf(new Recorder());
    r.connectUNIX(join(dir, "nobody-here.sock"), cf);
    expect(((await cf.failed.promise) as { code?: string }).code).toBe("ERR_CONNECTION_REFUSED");
    await r.stop();
    await done;
  });

  it("rejects an empty path with ERR_INVALID_ARG", () => {
    const r = testReactor();
    expect(() => r.listenUNIX("", serverFactoryOf())).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARG" }),
    );
  });
});

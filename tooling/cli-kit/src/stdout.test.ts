import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { formatBytes, OutputStream } from "./stdout.js";

describe("OutputStream", () => {
  it("turns congested past the high-water mark and back on drain", async () => {
    const pipe = new PassThrough({ highWaterMark: 16 });
    const out = new OutputStream(pipe, { highWaterMark: 64 });
    const changes: boolean[] = [];
    out.onCongestion((c) => changes.push(c));
    out.write("x".repeat(100));
    expect(out.congested).toBe(true);
    expect(out.pendingBytes).toBeGreaterThan(64);
    const drained = out.drained();
    pipe.resume(); // a reader appears
    await drained;
    expect(out.congested).toBe(false);
    expect(changes).toEqual([true, false]);
  });

  it("stops writing after an error (EPIPE) and stays uncongested", () => {
    const pipe = new PassThrough({ highWaterMark: 16 });
    const out = new OutputStream(pipe, { highWaterMark: 64 });
    out.write("x".repeat(100));
    pipe.emit("error", Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
    expect(out.closed).toBe(true);
    expect(out.congested).toBe(false);
    out.write("more");
    expect(out.pendingBytes).toBe(0);
  });

  it("discard() drops what is queued and says how much", () => {
    const pipe = new PassThrough({ highWaterMark: 16 });
    pipe.on("error", () => {});
    const out = new OutputStream(pipe, { highWaterMark: 1 << 20 });
    out.write("y".repeat(5000));
    expect(out.discard()).toBeGreaterThanOrEqual(5000 - 16);
    expect(out.closed).toBe(true);
  });

  it("formats byte counts", () => {
    expect(formatBytes(1)).toBe("1 byte");
    expect(formatBytes(2048)).toBe("2.0 KiB");
    expect(formatBytes(3 * 1024 * 1024)).toBe("3.0 MiB");
  });
});

import { describe, expect, it } from "vitest";
import { WorkerChannel, type WorkerMessage } from "./cluster.js";
import { createServerOutput } from "./output.js";

/** A worker channel whose messages to the primary are kept instead of sent. */
class RecordingChannel extends WorkerChannel {
  readonly sent: WorkerMessage[] = [];
  override send(message: WorkerMessage, done?: () => void): void {
    this.sent.push(message);
    done?.();
  }
}

function out(channel: RecordingChannel): Extract<WorkerMessage, { type: "lr:out" }>[] {
  return channel.sent.filter((m) => m.type === "lr:out");
}

describe("WorkerChannel", () => {
  it("a count report in the middle of a record keeps the record open (more: true)", () => {
    const channel = new RecordingChannel();
    const counts = { lines: 1, connections: 1 };
    channel.countFrom(() => counts);
    channel.sink('{"event":"line","id":1,"data":"', true);
    // A connection is accepted while the record waits for credit; the periodic report goes out.
    counts.connections = 2;
    channel.flush();
    channel.sink('aaa"}\n', false);
    channel.flush();
    expect(out(channel)).toEqual([
      {
        type: "lr:out",
        text: '{"event":"line","id":1,"data":"',
        lines: 1,
        connections: 1,
        more: true,
      },
      { type: "lr:out", text: "", lines: 0, connections: 1, more: true },
      { type: "lr:out", text: 'aaa"}\n', lines: 0, connections: 0, more: false },
    ]);
  });

  it("every message sent while a streamed record is open says more, until its end", async () => {
    const channel = new RecordingChannel();
    const counts = { lines: 0, connections: 0 };
    channel.countFrom(() => counts);
    const output = createServerOutput({ json: true, quiet: false, worker: 1 }, channel.sink);
    output.connection(1, "127.0.0.1:5000");
    output.flush(); // scheduled for the end of this turn
    counts.connections = 1;
    counts.lines = 1;
    const record = output.longLine(1);
    if (record === null) throw new Error("no record");
    output.write(record.head, true);
    output.write(record.piece(Buffer.from("x".repeat(100))), true);
    // The end of the turn comes (and the 100 ms timer) before the rest of the record.
    counts.connections = 2;
    await new Promise<void>((resolve) => setImmediate(resolve));
    channel.flush();
    output.write(record.piece(Buffer.from("y".repeat(100))), true);
    output.write(record.end(), false);
    output.endStream();
    channel.flush();
    const messages = out(channel);
    const text = messages.map((m) => m.text).join("");
    const last = messages.findLastIndex((m) => m.text.includes("yyy"));
    // Up to the piece with the record's last bytes, no message lets another worker's output in.
    expect(messages.slice(0, last + 1).every((m) => m.more)).toBe(true);
    expect(messages.at(-1)?.more).toBe(false);
    const lines = text.split("\n");
    expect(lines.pop()).toBe("");
    expect(lines.map((l) => JSON.parse(l) as { event: string })).toMatchObject([
      { event: "connection", id: 1 },
      { event: "line", id: 1, data: `${"x".repeat(100)}${"y".repeat(100)}`, worker: 1 },
    ]);
  });
});

import { describe, expect, it } from "vitest";
import { createServerOutput } from "./output.js";

function capture(options: { json: boolean; quiet: boolean; worker?: number }) {
  const writes: string[] = [];
  const out = createServerOutput(options, (s) =>
    writes.push(typeof s === "string" ? s : Buffer.from(s).toString()),
  );
  return { out, writes };
}

describe("server output", () => {
  it("text mode prints the seed's lines and buffers them until flush", () => {
    const { out, writes } = capture({ json: false, quiet: false });
    out.listening("127.0.0.1", 9000);
    out.connection(1, "127.0.0.1:5000");
    out.line(1, "hello");
    out.line(1, "");
    expect(writes).toEqual([]);
    out.flush();
    out.lost(1, "ConnectionDone: Connection was closed cleanly.", "ERR_CONNECTION_DONE");
    out.stopped({ connections: 1, lines: 2 });
    out.flush();
    out.flush(); // nothing buffered: no empty write
    expect(writes).toEqual([
      "listening on 127.0.0.1:9000\nserver received a connection!\nin lineReceived\ndata => hello\nin lineReceived\ndata => \n",
      "Connection lost\nConnectionDone: Connection was closed cleanly.\nserver stopped: 1 connection, 2 lines\n",
    ]);
  });

  it("quiet text mode keeps only the listening line and the summary", () => {
    const { out, writes } = capture({ json: false, quiet: true });
    out.listening("::1", 1);
    out.connection(1, "[::1]:2");
    out.line(1, "x");
    out.lost(1, "r", "c");
    out.stopped({ connections: 2, lines: 1 });
    out.flush();
    expect(writes.join("")).toBe("listening on [::1]:1\nserver stopped: 2 connections, 1 line\n");
  });

  it("JSON mode emits one parseable object per event, UTF-8 and control characters intact", () => {
    const { out, writes } = capture({ json: true, quiet: false });
    const tricky = 'é€🎉 "quoted" \\ \t \u0000 \u2028';
    out.listening("127.0.0.1", 9000);
    out.connection(7, "127.0.0.1:5000");
    out.line(7, tricky);
    out.lost(7, "ConnectionDone: Connection was closed cleanly.", "ERR_CONNECTION_DONE");
    out.stopped({ connections: 1, lines: 1 });
    out.flush();
    const lines = writes.join("").split("\n");
    expect(lines.pop()).toBe("");
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { event: "listening", host: "127.0.0.1", port: 9000 },
      { event: "connection", id: 7, peer: "127.0.0.1:5000" },
      { event: "line", id: 7, data: tricky },
      {
        event: "lost",
        id: 7,
        reason: "ConnectionDone: Connection was closed cleanly.",
        code: "ERR_CONNECTION_DONE",
      },
      { event: "stopped", connections: 1, lines: 1 },
    ]);
  });

  it("JSON events carry the worker id in cluster mode", () => {
    const { out, writes } = capture({ json: true, quiet: false, worker: 2 });
    out.line(1, "x");
    out.flush();
    expect(JSON.parse(writes[0] ?? "")).toEqual({ event: "line", id: 1, data: "x", worker: 2 });
  });
});

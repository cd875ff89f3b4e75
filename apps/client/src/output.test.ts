import { describe, expect, it } from "vitest";
import { createClientOutput, wantsProgress } from "./output.js";
import { CLEAR_LINE, renderProgress } from "./progress.js";

describe("client text output", () => {
  it("prints the seed's lines, no progress when not a terminal", () => {
    const writes: string[] = [];
    const out = createClientOutput({ json: false, tty: false }, (s) => writes.push(s));
    expect(out.showsProgress).toBe(false);
    out.connected(1);
    out.jobStarted(1, 5);
    out.progress(100, 5000);
    out.received(1, "hi");
    out.jobFinished(1, 5000);
    out.sent(1, "finished");
    out.lost(1, "ConnectionDone: x");
    out.tryEnded({ attempt: 1, ok: true, triesLeft: 2 });
    out.connectFailed(2, "ECONNREFUSED (Connection was refused by h:1)", "ERR_CONNECTION_REFUSED");
    out.done(2, 1);
    expect(writes.join("")).toBe(
      "client connected!\nrunning process\nReceived data: hi\nprocess finished!\nConnection lost\ntries 2\nconnection failed: ECONNREFUSED (Connection was refused by h:1)\n",
    );
  });

  it("in a terminal, draws the progress line in place and clears it before any other line", () => {
    const writes: string[] = [];
    const out = createClientOutput({ json: false, tty: true }, (s) => writes.push(s));
    expect(out.showsProgress).toBe(true);
    out.jobStarted(1, 5);
    out.progress(0, 5000);
    out.progress(2500, 5000);
    out.received(1, "during the job");
    out.jobFinished(1, 5000);
    expect(writes).toEqual([
      "running process\n",
      `${CLEAR_LINE}${renderProgress(0, 5000, 0)}`,
      `${CLEAR_LINE}${renderProgress(2500, 5000, 1)}`,
      `${CLEAR_LINE}Received data: during the job\n`,
      "process finished!\n",
    ]);
  });
});

describe("renderProgress", () => {
  it("shows a bar, elapsed and expected time", () => {
    expect(renderProgress(2500, 5000, 0, 80)).toBe("⠋ [############············] 2.5s / 5.0s");
    expect(renderProgress(9000, 5000, 1, 80)).toBe("⠙ [########################] 9.0s / 5.0s");
    expect(renderProgress(0, 0, 2, 80)).toBe("⠹ [########################] 0.0s / 0.0s");
  });

  it("fits any terminal width: a shorter bar, then no bar, then cut times; never the last column", () => {
    expect(renderProgress(2500, 5000, 0, 30)).toBe("⠋ [#######······] 2.5s / 5.0s");
    expect(renderProgress(2500, 5000, 0, 20)).toBe("⠋ 2.5s / 5.0s");
    expect(renderProgress(2500, 5000, 0, 8)).toBe("⠋ 2.5s ");
    for (let columns = 1; columns <= 100; columns++)
      expect(renderProgress(12345, 99999, columns, columns).length).toBeLessThan(
        Math.max(columns, 1),
      );
  });
});

describe("client text output, peer bytes", () => {
  it("escapes what the server sends: ESC sequences, CR/LF inside a line, invalid UTF-8", () => {
    const writes: string[] = [];
    const out = createClientOutput({ json: false, tty: false }, (s) => writes.push(s));
    out.received(1, Buffer.from("\x1b]52;c;aGk=\x07x\ntries 0\xff", "latin1"));
    expect(writes).toEqual(["Received data: \\x1b]52;c;aGk=\\x07x\\ntries 0\\xff\n"]);
  });
});

describe("client JSON output", () => {
  it("emits one object per event", () => {
    const writes: string[] = [];
    const out = createClientOutput({ json: true, tty: true }, (s) => writes.push(s));
    expect(out.showsProgress).toBe(false);
    out.connected(1);
    out.received(1, 'é "q"');
    out.tryEnded({ attempt: 1, ok: false, triesLeft: 0 });
    out.done(1, 1);
    expect(writes.map((w) => JSON.parse(w))).toEqual([
      { event: "connected", try: 1 },
      { event: "line", try: 1, data: 'é "q"' },
      { event: "try", try: 1, ok: false, triesLeft: 0 },
      { event: "done", tries: 1, failed: 1 },
    ]);
  });
});

describe("wantsProgress", () => {
  it("draws only on a terminal that is not TERM=dumb, never with --json", () => {
    expect(wantsProgress({ json: false, isTTY: true, term: "xterm-256color" })).toBe(true);
    expect(wantsProgress({ json: false, isTTY: true, term: undefined })).toBe(true);
    expect(wantsProgress({ json: false, isTTY: true, term: "dumb" })).toBe(false);
    expect(wantsProgress({ json: false, isTTY: false, term: "xterm" })).toBe(false);
    expect(wantsProgress({ json: true, isTTY: true, term: "xterm" })).toBe(false);
  });
});

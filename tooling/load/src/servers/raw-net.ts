/**
 * Baseline: a raw `node:net` line server, written the way a careful user would: `indexOf` framing
 * on each chunk, a partial line carried over to the next chunk, CRLF or LF. With `--print` it prints
 * what apps/server prints in text mode, with ONE buffered `write` per socket read.
 */
import { createServer, type Socket } from "node:net";
import { announce, type Stats, serverArgs, stopOnSignal } from "./common.js";

const args = serverArgs();
const stats: Stats = { connections: 0, lines: 0, bytes: 0 };
const sockets = new Set<Socket>();
const out = process.stdout;

let _last: Buffer | null = null;
/** The counting handler: what user code would get, one view per line. */
function onLine(line: Buffer): void {
  _last = line;
}

const server = createServer((socket) => {
  stats.connections++;
  sockets.add(socket);
  socket.on("close", () => sockets.delete(socket));
  if (args.print) out.write("server received a connection!\n");
  let rest: Buffer | null = null;
  socket.on("data", (chunk: Buffer) => {
    stats.bytes += chunk.length;
    const buf = rest === null ? chunk : Buffer.concat([rest, chunk]);
    let start = 0;
    let text = "";
    for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
      const end = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
      // Counting, each line is handed over as a byte view (as lr-server --quiet's BytesLineReceiver
      // does); printing, it is decoded as UTF-8 (as lr-server's LineReceiver does).
      stats.lines++;
      if (args.print) text += `in lineReceived\ndata => ${buf.toString("utf8", start, end)}\n`;
      else onLine(buf.subarray(start, end));
      start = nl + 1;
    }
    rest = start < buf.length ? buf.subarray(start) : null;
    _last = null;
    if (text.length > 0) out.write(text);
  });
  socket.on("error", () => {});
  if (args.print) {
    socket.on("close", (hadError) =>
      out.write(`Connection lost\n${hadError ? "connection lost" : "connection done"}\n`),
    );
  }
});
server.listen(args.port, args.host, () => {
  const addr = server.address();
  if (addr === null || typeof addr === "string") throw new Error("not a TCP address");
  announce(args.host, addr.port);
});
stopOnSignal(server, sockets, stats);

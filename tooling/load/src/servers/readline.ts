/** Baseline: `node:net` + `node:readline` (the idiomatic Node line server). Counts lines. */
import { createServer, type Socket } from "node:net";
import { createInterface } from "node:readline";
import { announce, type Stats, serverArgs, stopOnSignal } from "./common.js";

const args = serverArgs();
const stats: Stats = { connections: 0, lines: 0, bytes: 0 };
const sockets = new Set<Socket>();

const server = createServer((socket) => {
  stats.connections++;
  sockets.add(socket);
  socket.on("close", () => sockets.delete(socket));
  socket.on("data", (chunk: Buffer) => {
    stats.bytes += chunk.length;
  });
  socket.on("error", () => {});
  const rl = createInterface({ input: socket, crlfDelay: Number.POSITIVE_INFINITY });
  rl.on("line", () => {
    stats.lines++;
  });
});
server.listen(args.port, args.host, () => {
  const addr = server.address();
  if (addr === null || typeof addr === "string") throw new Error("not a TCP address");
  announce(args.host, addr.port);
});
stopOnSignal(server, sockets, stats);

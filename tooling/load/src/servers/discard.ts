/**
 * The loopback limit: a `node:net` server that reads and drops bytes with no framing at all. It
 * counts bytes only; the benchmark checks them against connections × lines × (size + 2).
 */
import { createServer, type Socket } from "node:net";
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
});
server.listen(args.port, args.host, () => {
  const addr = server.address();
  if (addr === null || typeof addr === "string") throw new Error("not a TCP address");
  announce(args.host, addr.port);
});
stopOnSignal(server, sockets, stats);

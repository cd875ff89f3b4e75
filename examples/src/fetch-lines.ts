// A fetch() response body split into lines with LineSplitterStream (Web streams), read from a
// local HTTP server that this program starts on a free loopback port and sends the body in
// uneven chunks (lines cross chunk boundaries).
//   node dist/fetch-lines.js
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { LineSplitterStream } from "@lr/line-protocol";

const server = createServer((_req, res) => {
  res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
  for (const part of [
    "first li",
    "ne\r\nsecond line\r",
    "\nthird ",
    "line: ünïcødé\r\nlast, no CRLF",
  ])
    res.write(part);
  res.end();
});
server.listen(0, "127.0.0.1");
await once(server, "listening");
const { port } = server.address() as AddressInfo;

try {
  const response = await fetch(`http://127.0.0.1:${port}/log.txt`);
  if (!response.body) throw new Error("no body");
  let n = 0;
  for await (const line of response.body.pipeThrough(new LineSplitterStream({ maxLength: 8192 }))) {
    console.log(`${++n}: ${line}`);
  }
} finally {
  server.close();
}

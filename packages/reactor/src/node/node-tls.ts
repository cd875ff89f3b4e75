/**
 * `node:tls`, loaded the first time a TLS port or connection is made. Importing it at startup costs
 * every program that never uses TLS: OpenSSL is initialised and, measured on the line server, a plain
 * TCP server that merely imported `node:tls` read 1 KiB lines about 20 % slower.
 */
export function nodeTls(): typeof import("node:tls") {
  return process.getBuiltinModule("node:tls");
}

import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Collector, Echo, RecordingFactory } from "../../test/echo.js";
import { makeTestCertificate, type TestCertificate } from "../../test/tls-cert.js";
import type { TCPAddress } from "../core/address.js";
import { ConnectError, ConnectionDone } from "../core/errors.js";
import { ClientFactory, Factory } from "../core/factory.js";
import type { Connector } from "../core/interfaces.js";
import { nullLogger } from "../core/logger.js";
import { quoteEndpointArgument } from "../endpoints/endpoint-parser.js";
import { clientFromString, serverFromString } from "../endpoints/from-string.js";
import { createReactor, type Reactor } from "./reactor.js";

let cert: TestCertificate;
let reactor: Reactor;

beforeAll(() => {
  cert = makeTestCertificate();
});

afterAll(() => {
  if (cert) rmSync(cert.dir, { recursive: true, force: true });
});

afterEach(async () => {
  if (reactor && reactor.state !== "stopped") await reactor.stop();
});

async function within<T>(body: () => Promise<T>): Promise<T> {
  let outcome!: Promise<T>;
  reactor.callWhenRunning(() => {
    outcome = body();
    const stop = () => void reactor.stop();
    void outcome.then(stop, stop);
  });
  await reactor.run();
  return outcome;
}

class ClientCollectorFactory extends ClientFactory {
  override protocol = null;
  client: Collector | null = null;
  failed: Promise<Error>;
  #fail!: (e: Error) => void;
  constructor() {
    super();
    this.failed = new Promise((r) => {
      this.#fail = r;
    });
  }
  override buildProtocol(): Collector {
    this.client = new Collector();
    return this.client;
  }
  override clientConnectionFailed(_c: Connector, reason: Error): void {
    this.#fail(reason);
  }
}

describe("TLS (listenTLS / connectTLS)", () => {
  it("round-trips data over a verified TLS connection, twice across a restart", async () => {
    reactor = createReactor({ logger: nullLogger });
    for (let run = 0; run < 2; run++) {
      const result = await within(async () => {
        const port = reactor.listenTLS(
          0,
          Factory.forProtocol(Echo),
          { key: cert.key, cert: cert.cert },
          { host: "127.0.0.1" },
        );
        const { port: n } = (await port.whenListening()) as TCPAddress;
        const factory = new ClientCollectorFactory();
        const connected = new Promise<void>((resolve) => {
          factory.startedConnecting = () => {};
          const original = factory.buildProtocol.bind(factory);
          factory.buildProtocol = () => {
            const p = original();
            queueMicrotask(resolve);
            return p;
          };
        });
        reactor.connectTLS("127.0.0.1", n, factory, { ca: cert.cert });
        await connected;
        const client = factory.client as Collector;
        const socket = (
          client.transport as unknown as { socket: { encrypted?: boolean; authorized?: boolean } }
        ).socket;
        client.transport?.write("secret ");
        client.transport?.write(new TextEncoder().encode("bytes"));
        await client.waitFor("secret bytes");
        client.transport?.loseConnection();
        const reason = await client.closed;
        return {
          received: client.received,
          reason,
          encrypted: socket.encrypted,
          authorized: socket.authorized,
        };
      });
      expect(result.received).toBe("secret bytes");
      expect(result.reason).toBeInstanceOf(ConnectionDone);
      expect(result.encrypted).toBe(true);
      expect(result.authorized).toBe(true);
      expect(reactor.getResources()).toEqual([]);
    }
  });

  it("fails the connection attempt when the server certificate is not trusted", async () => {
    reactor = createReactor({ logger: nullLogger });
    const reason = await within(async () => {
      const port = reactor.listenTLS(
        0,
        Factory.forProtocol(Echo),
        { key: cert.key, cert: cert.cert },
        { host: "127.0.0.1" },
      );
      const { port: n } = (await port.whenListening()) as TCPAddress;
      const factory = new ClientCollectorFactory();
      reactor.connectTLS("127.0.0.1", n, factory, {}); // default CA store: our self-signed cert is unknown
      return factory.failed;
    });
    expect(reason).toBeInstanceOf(ConnectError);
    expect((reason as Error & { cause?: { code?: string } }).cause?.code).toMatch(
      /SELF_SIGNED|UNABLE_TO_VERIFY/,
    );
  });

  it("abortConnection() works on a TLS transport", async () => {
    reactor = createReactor({ logger: nullLogger });
    const reason = await within(async () => {
      const port = reactor.listenTLS(
        0,
        Factory.forProtocol(Echo),
        { key: cert.key, cert: cert.cert },
        { host: "127.0.0.1" },
      );
      const { port: n } = (await port.whenListening()) as TCPAddress;
      const client = (await clientFromString(
        reactor,
        `tls:127.0.0.1:${n}:trustRoots=${cert.certFile}`,
      ).connect(new RecordingFactory(() => new Collector()))) as Collector;
      client.transport?.abortConnection();
      return client.closed;
    });
    expect(reason).toMatchObject({ code: "ERR_CONNECTION_ABORTED" });
  });
});

describe("ssl:/tls: endpoint strings", () => {
  it("serve with ssl:...:privateKey=:certKey= and connect with tls:...:trustRoots=:hostname=", async () => {
    reactor = createReactor({ logger: nullLogger });

    const received = await within(async () => {
      const port = await serverFromString(
        reactor,
        `ssl:0:interface=127.0.0.1:privateKey=${quoteEndpointArgument(cert.keyFile)}:certKey=${quoteEndpointArgument(cert.certFile)}`,
      ).listen(Factory.forProtocol(Echo));
      const n = (port.getHost() as TCPAddress).port;
      const client = (await clientFromString(
        reactor,
        `tls:127.0.0.1:${n}:timeout=5:trustRoots=${quoteEndpointArgument(cert.certFile)}:hostname=localhost`,
      ).connect(new RecordingFactory(() => new Collector()))) as Collector;
      client.transport?.write("via strings");
      await client.waitFor("via strings");
      client.transport?.loseConnection();
      await client.closed;
      return client.received;
    });
    expect(received).toBe("via strings");
  });

  it("a combined PEM (key + certificate in one file) is the ssl: default layout", async () => {
    reactor = createReactor({ logger: nullLogger });
    const combined = join(cert.dir, "server.pem");
    writeFileSync(combined, Buffer.concat([cert.key, cert.cert]));
    const received = await within(async () => {
      const port = await serverFromString(
        reactor,
        `tls:0:interface=127.0.0.1:privateKey=${combined}`,
      ).listen(Factory.forProtocol(Echo));
      const n = (port.getHost() as TCPAddress).port;
      const client = (await clientFromString(
        reactor,
        `ssl:host=localhost:port=${n}:caCertsDir=${cert.dir}`,
      ).connect(new RecordingFactory(() => new Collector()))) as Collector;
      client.transport?.write("combined");
      await client.waitFor("combined");
      client.transport?.loseConnection();
      await client.closed;
      return client.received;
    });
    expect(received).toBe("combined");
  });
});

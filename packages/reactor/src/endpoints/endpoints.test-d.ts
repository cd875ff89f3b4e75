// Type tests (vitest --typecheck): endpoints and ports carry the protocol and the address kind.
import { describe, expectTypeOf, it } from "vitest";
import type { TCPAddress, UNIXAddress } from "../core/address.js";
import { ClientFactory, ServerFactory } from "../core/factory.js";
import type { EndpointReactor, ListeningPort, ReactorLike } from "../core/interfaces.js";
import { Protocol } from "../core/protocol.js";
import { TCPClientEndpoint, TCPServerEndpoint, UNIXServerEndpoint } from "./endpoints.js";
import { clientFromString, serverFromString } from "./from-string.js";

class Echo extends Protocol {
  echoed = 0;
}
declare const reactor: ReactorLike & EndpointReactor;

describe("typed endpoints", () => {
  it("connect() resolves to the factory's protocol", () => {
    const factory = ClientFactory.forProtocol(Echo);
    expectTypeOf(new TCPClientEndpoint(reactor, "h", 1).connect(factory)).toEqualTypeOf<
      Promise<Echo>
    >();
    expectTypeOf(clientFromString(reactor, "tcp:host=h:port=1").connect(factory)).toEqualTypeOf<
      Promise<Echo>
    >();
  });

  it("whenListening() is typed by the port kind", () => {
    const f = ServerFactory.forProtocol(Echo);
    expectTypeOf(reactor.listenTCP(0, f)).toEqualTypeOf<ListeningPort<TCPAddress>>();
    expectTypeOf(reactor.listenTCP(0, f).whenListening()).toEqualTypeOf<Promise<TCPAddress>>();
    expectTypeOf(reactor.listenUNIX("/tmp/s", f).getHost()).toEqualTypeOf<UNIXAddress>();
    expectTypeOf(new TCPServerEndpoint(reactor, 0).listen(f)).toEqualTypeOf<
      Promise<ListeningPort<TCPAddress>>
    >();
    expectTypeOf(new UNIXServerEndpoint(reactor, "/tmp/s").listen(f)).toEqualTypeOf<
      Promise<ListeningPort<UNIXAddress>>
    >();
  });

  it("serverFromString reads the address kind from the description", async () => {
    const f = new ServerFactory();
    const tcp = await serverFromString(reactor, "tcp:0:interface=127.0.0.1").listen(f);
    expectTypeOf(tcp.getHost().port).toEqualTypeOf<number>();
    const unix = await serverFromString(reactor, "unix:/tmp/s").listen(f);
    expectTypeOf(unix.getHost()).toEqualTypeOf<UNIXAddress>();
    const tls = await serverFromString(reactor, "ssl:443").listen(f);
    expectTypeOf(tls.getHost()).toEqualTypeOf<TCPAddress>();
    const description: string = "tcp:0";
    const unknown = await serverFromString(reactor, description).listen(f);
    // @ts-expect-error an address of unknown kind needs narrowing before .port
    unknown.getHost().port;
  });
});

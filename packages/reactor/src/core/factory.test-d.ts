// Type tests (vitest --typecheck): factories carry the protocol they build.
import { describe, expectTypeOf, it } from "vitest";
import type { Address } from "./address.js";
import type { ConnectError, ConnectErrorCode, ConnectionClosed } from "./errors.js";
import { ClientFactory, Factory, type FactoryFor, ServerFactory } from "./factory.js";
import type { Connector, FactoryLike, ProtocolLike } from "./interfaces.js";
import { Protocol } from "./protocol.js";

class Echo extends Protocol {
  echoed = 0;
}

declare const addr: Address;

describe("Factory<P>", () => {
  it("forProtocol keeps the factory class and types buildProtocol", () => {
    const server = ServerFactory.forProtocol(Echo);
    expectTypeOf(server).toMatchTypeOf<ServerFactory>();
    expectTypeOf(server).toMatchTypeOf<FactoryFor<Echo>>();
    expectTypeOf(server.buildProtocol(addr)).toEqualTypeOf<Echo | null>();
    expectTypeOf(server).toMatchTypeOf<FactoryLike<Echo>>();

    const client = ClientFactory.forProtocol(Echo);
    expectTypeOf(client).toMatchTypeOf<ClientFactory>();
    expectTypeOf(client.buildProtocol(addr)).toEqualTypeOf<Echo | null>();
    expectTypeOf(Factory.forProtocol(Echo).buildProtocol(addr)).toEqualTypeOf<Echo | null>();
  });

  it("a subclass names its protocol type", () => {
    class EchoFactory extends ServerFactory<Echo> {
      override buildProtocol(): Echo {
        return new Echo();
      }
    }
    expectTypeOf(new EchoFactory().buildProtocol()).toEqualTypeOf<Echo>();
    expectTypeOf(new EchoFactory()).toMatchTypeOf<FactoryLike<Echo>>();
    expectTypeOf(new ServerFactory().buildProtocol(addr)).toEqualTypeOf<ProtocolLike | null>();
  });

  it("rejects a protocol class of the wrong type", () => {
    class Other extends Protocol {
      other = true;
    }
    const f = new ServerFactory<Echo>();
    // @ts-expect-error an Other is not an Echo
    f.protocol = Other;
  });

  it("client callbacks receive error types whose code is a literal union", () => {
    const f = new ClientFactory();
    expectTypeOf(f.clientConnectionFailed)
      .parameter(1)
      .toEqualTypeOf<ConnectError<ConnectErrorCode>>();
    expectTypeOf(f.clientConnectionLost).parameter(1).toEqualTypeOf<ConnectionClosed>();
    f.clientConnectionFailed = (_c: Connector, reason) => {
      expectTypeOf(reason.code).toEqualTypeOf<ConnectErrorCode>();
      if (reason.code === "ERR_CONNECTION_REFUSED") return;
      // @ts-expect-error not a connect error code
      if (reason.code === "ERR_CONNECTION_DONE") return;
    };
    f.clientConnectionLost = (_c: Connector, reason) => {
      expectTypeOf(reason.code).toEqualTypeOf<
        "ERR_CONNECTION_DONE" | "ERR_CONNECTION_LOST" | "ERR_CONNECTION_ABORTED"
      >();
    };
  });
});

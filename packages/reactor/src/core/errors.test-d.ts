// Type tests (vitest --typecheck): every error class has a literal `code` type.
import { describe, expectTypeOf, it } from "vitest";
import {
  AlreadyCalled,
  CannotListenError,
  ConnectError,
  type ConnectErrorCode,
  ConnectingCancelledError,
  ConnectionAborted,
  type ConnectionClosed,
  ConnectionDone,
  ConnectionLost,
  ConnectionRefusedError,
  ConnectTimeoutError,
  DNSLookupError,
  InvalidArgumentError,
  JobCancelledError,
  LoopingCallStateError,
  type LrError,
  ReactorAlreadyRunning,
  ReactorNotRunning,
  ServiceError,
} from "./errors.js";

describe("error codes", () => {
  it("are literal types per class", () => {
    expectTypeOf(new ReactorAlreadyRunning().code).toEqualTypeOf<"ERR_REACTOR_ALREADY_RUNNING">();
    expectTypeOf(new ReactorNotRunning().code).toEqualTypeOf<"ERR_REACTOR_NOT_RUNNING">();
    expectTypeOf(new AlreadyCalled().code).toEqualTypeOf<"ERR_ALREADY_CALLED">();
    expectTypeOf(new CannotListenError("x", null).code).toEqualTypeOf<"ERR_CANNOT_LISTEN">();
    expectTypeOf(new JobCancelledError().code).toEqualTypeOf<"ERR_JOB_CANCELLED">();
    expectTypeOf(new InvalidArgumentError("x").code).toEqualTypeOf<"ERR_INVALID_ARG">();
    expectTypeOf(new ConnectionRefusedError("x").code).toEqualTypeOf<"ERR_CONNECTION_REFUSED">();
    expectTypeOf(new ConnectTimeoutError("x", 1).code).toEqualTypeOf<"ERR_CONNECT_TIMEOUT">();
    expectTypeOf(new DNSLookupError("x").code).toEqualTypeOf<"ERR_DNS_LOOKUP">();
    expectTypeOf(new ConnectingCancelledError().code).toEqualTypeOf<"ERR_CONNECTING_CANCELLED">();
    expectTypeOf(new ConnectionDone().code).toEqualTypeOf<"ERR_CONNECTION_DONE">();
    expectTypeOf(new ConnectionAborted().code).toEqualTypeOf<"ERR_CONNECTION_ABORTED">();
    expectTypeOf(new LoopingCallStateError(true).code).toEqualTypeOf<
      "ERR_LOOPING_CALL_RUNNING" | "ERR_LOOPING_CALL_NOT_RUNNING"
    >();
    expectTypeOf(new ServiceError("ERR_NO_SUCH_SERVICE", "x").code).toEqualTypeOf<
      "ERR_DUPLICATE_SERVICE" | "ERR_SERVICE_NAMED" | "ERR_NO_SUCH_SERVICE"
    >();
  });

  it("families have union codes; subclasses are assignable to them", () => {
    expectTypeOf(new ConnectError("x").code).toEqualTypeOf<ConnectErrorCode>();
    expectTypeOf(new ConnectionLost().code).toEqualTypeOf<
      "ERR_CONNECTION_LOST" | "ERR_CONNECTION_ABORTED"
    >();
    expectTypeOf<ConnectionRefusedError>().toMatchTypeOf<ConnectError>();
    expectTypeOf<ConnectionAborted>().toMatchTypeOf<ConnectionLost>();
    expectTypeOf<ConnectionDone>().toMatchTypeOf<ConnectionClosed>();
    expectTypeOf<ConnectionDone>().toMatchTypeOf<LrError>();
    expectTypeOf<LrError["code"]>().toEqualTypeOf<string>();
  });

  it("narrow by instanceof", () => {
    const e: unknown = new ConnectionRefusedError("x");
    if (e instanceof ConnectionRefusedError)
      expectTypeOf(e.code).toEqualTypeOf<"ERR_CONNECTION_REFUSED">();
    // @ts-expect-error a refused connection never has the timeout code
    new ConnectionRefusedError("x").code === "ERR_CONNECT_TIMEOUT";
  });
});

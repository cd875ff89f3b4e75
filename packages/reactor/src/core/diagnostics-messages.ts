/** The message types of lr's diagnostics channels (see `diagnostics.ts` for the table). */
import type { Address } from "./address.js";
import type { ListeningPort, ProtocolLike, ReactorCore, Transport } from "./interfaces.js";

/** `lr:reactor:run`: `run()` begins; `before startup` triggers come next. */
export interface ReactorRunMessage {
  /** The reactor that is starting. */
  readonly reactor: ReactorCore;
}

/** `lr:reactor:stop`: the reactor is fully stopped; `run()` resolves next. */
export interface ReactorStopMessage {
  /** The reactor that stopped. */
  readonly reactor: ReactorCore;
  /** Milliseconds from `run()` to fully stopped. */
  readonly durationMs: number;
}

/** `lr:port:listening`: a port is bound (`whenListening()` resolves with the same address). */
export interface PortListeningMessage {
  /** The reactor that owns the port. */
  readonly reactor: ReactorCore;
  /** The port. */
  readonly port: ListeningPort;
  /** The bound address (port 0 resolved to the real port). */
  readonly address: Address;
}

/** `lr:port:close`: a port has closed (it was listening, or it failed to bind). */
export interface PortCloseMessage {
  /** The reactor that owned the port. */
  readonly reactor: ReactorCore;
  /** The port. */
  readonly port: ListeningPort;
  /** The address it was bound to; `null` if it never bound. */
  readonly address: Address | null;
}

/** Which end of a connection this process is. */
export type ConnectionSide = "server" | "client";

/** `lr:connection:open`: a connection is made; the protocol's `connectionMade` runs next. */
export interface ConnectionOpenMessage {
  /** The reactor the connection belongs to. */
  readonly reactor: ReactorCore;
  /** The connection's transport. */
  readonly transport: Transport;
  /** The protocol the factory built for it. */
  readonly protocol: ProtocolLike;
  /** `"server"` for an accepted connection, `"client"` for one this process connected. */
  readonly side: ConnectionSide;
  /** This end's address. */
  readonly host: Address;
  /** The other end's address. */
  readonly peer: Address;
}

/** `lr:connection:close`: a connection is closed; the protocol's `connectionLost` runs next. */
export interface ConnectionCloseMessage {
  /** The reactor the connection belonged to. */
  readonly reactor: ReactorCore;
  /** The connection's transport. */
  readonly transport: Transport;
  /** Its protocol. */
  readonly protocol: ProtocolLike;
  /** `"server"` or `"client"`, as in `lr:connection:open`. */
  readonly side: ConnectionSide;
  /** Why it closed: `ConnectionDone` (clean), `ConnectionLost`, `ConnectionAborted`. */
  readonly reason: Error;
  /** The reason's stable `code`, e.g. `"ERR_CONNECTION_DONE"`. */
  readonly code: string | undefined;
}

/** `lr:connection:error`: a connection attempt failed, or a protocol callback failed. */
export interface ConnectionErrorMessage {
  /** The reactor involved. */
  readonly reactor: ReactorCore;
  /**
   * `"connect"`: an attempt failed (refused, timed out, DNS, cancelled; `clientConnectionFailed`
   * runs next). `"callback"`: a protocol callback threw or rejected; its connection is aborted.
   */
  readonly during: "connect" | "callback";
  /** The connection, for `"callback"`; `null` for `"connect"`. */
  readonly transport: Transport | null;
  /** The error: a `ConnectError` subclass for `"connect"`, what the callback threw for `"callback"`. */
  readonly error: Error;
  /** The error's stable `code`, when it has one. */
  readonly code: string | undefined;
}

/** `lr:line:too-long`: a line receiver saw a line over its limit (before `lineLengthExceeded`). */
export interface LineTooLongMessage {
  /** The receiving protocol. */
  readonly protocol: ProtocolLike;
  /** The line's length in bytes, so far (it may still be unterminated). */
  readonly length: number;
  /** The receiver's `MAX_LENGTH`. */
  readonly maxLength: number;
}

/** `lr:thread:job`: a thread job settled. */
export interface ThreadJobMessage {
  /** The reactor whose pool ran it. */
  readonly reactor: ReactorCore;
  /** The job module's URL or path, as given. */
  readonly module: string;
  /** The export that ran. */
  readonly exportName: string;
  /** `"resolved"`, `"rejected"` (the export threw) or `"cancelled"` (`ERR_JOB_CANCELLED`). */
  readonly outcome: "resolved" | "rejected" | "cancelled";
  /** Milliseconds from submission to settlement (queueing included). */
  readonly durationMs: number;
  /** The error, unless resolved. */
  readonly error: Error | undefined;
}

/** Message type per channel name. */
export interface ChannelMessages {
  "lr:reactor:run": ReactorRunMessage;
  "lr:reactor:stop": ReactorStopMessage;
  "lr:port:listening": PortListeningMessage;
  "lr:port:close": PortCloseMessage;
  "lr:connection:open": ConnectionOpenMessage;
  "lr:connection:close": ConnectionCloseMessage;
  "lr:connection:error": ConnectionErrorMessage;
  "lr:line:too-long": LineTooLongMessage;
  "lr:thread:job": ThreadJobMessage;
}

/** The name of a channel lr publishes on. */
export type ChannelName = keyof ChannelMessages;

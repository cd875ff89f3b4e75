import type { Address, FactoryLike } from "@lr/reactor";
import { BasePort, type BasePortSpec, type PortOwner } from "@lr/reactor/internal";

/** What a {@link MemoryListeningPort} needs from the memory reactor that owns it. */
export interface MemoryPortOwner extends PortOwner {
  /** Picks the bound address (or throws `CannotListenError`). */
  bind(port: MemoryListeningPort): Address;
  /** Releases the address. */
  unbind(port: MemoryListeningPort): void;
}

/** Where a {@link MemoryListeningPort} listens: a TCP port (and host) or a UNIX path. */
export type MemoryPortSpec = BasePortSpec;

/**
 * The fake {@link ListeningPort} a memory reactor returns from `listenTCP`/`listenUNIX`: the shared
 * port of `@lr/reactor` (states, `whenListening()`, the factory's guarded `doStart`/`doStop`), whose
 * "bind" is immediate. It binds when the reactor runs (at once if it is running): with a
 * `MemoryNetwork`, it becomes reachable by `connectTCP`/`connectUNIX` from reactors on that network;
 * port 0 gets a free port number. `stopListening()` settles at once.
 */
export class MemoryListeningPort extends BasePort<MemoryPortSpec> {
  readonly #owner: MemoryPortOwner;

  /** @internal created by a memory reactor */
  constructor(spec: MemoryPortSpec, factory: FactoryLike, owner: MemoryPortOwner) {
    super(spec, factory, owner);
    this.#owner = owner;
  }

  /** @internal called by the reactor when it runs (the same as `startListening()`) */
  start(): void {
    this.startListening();
  }

  protected override bind(): void {
    let address: Address;
    try {
      address = this.#owner.bind(this);
    } catch (error) {
      this.bindFailed(error);
      return;
    }
    this.bound(address);
  }

  protected override release(was: "pending" | "binding" | "listening" | "closed"): undefined {
    if (was === "listening") this.#owner.unbind(this);
    return undefined;
  }
}

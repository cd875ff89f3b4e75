import { ServiceError } from "../core/errors.js";
import { isThenable } from "../core/helpers.js";
import type { ReactorCore, ServiceLike, TriggerId } from "../core/interfaces.js";

/**
 * Base class of services (Twisted's `application.service.Service`). Subclasses override
 * `startService`/`stopService` and call `super` so `running` stays right.
 *
 * @example
 * ```ts
 * class Heartbeat extends Service {
 *   override startService() { super.startService(); console.log("up"); }
 *   override async stopService() { super.stopService(); await flush(); }
 * }
 * ```
 */
export class Service implements ServiceLike {
  name: string | null = null;
  running = false;
  /** The parent collection, if any. */
  parent: MultiService | null = null;

  /** Names the service. Throws `ServiceError` (`ERR_SERVICE_NAMED`) once it has a parent. */
  setName(name: string): void {
    if (this.parent)
      throw new ServiceError(
        "ERR_SERVICE_NAMED",
        `Cannot rename service ${JSON.stringify(this.name)}: it already has a parent.`,
      );
    this.name = name;
  }

  /** Adds this service to `parent` (leaving a previous parent first); starts it if the parent runs. */
  setServiceParent(parent: MultiService): void | Promise<void> {
    if (this.parent) void this.disownServiceParent();
    return parent.addService(this);
  }

  /** Removes this service from its parent; resolves when it stopped (if it was running). */
  disownServiceParent(): void | Promise<void> {
    const parent = this.parent;
    if (!parent) return;
    return parent.removeService(this);
  }

  startService(): void | Promise<void> {
    this.running = true;
  }

  stopService(): void | Promise<void> {
    this.running = false;
  }
}

/**
 * A service made of services (Twisted's `MultiService`). `startService` starts the children one
 * after the other in insertion order, awaiting each; `stopService` stops them in **reverse** order,
 * one after the other (Twisted stops them concurrently; sequential is easier to reason about, e.g.
 * "stop accepting before closing the database"). Every child is asked to stop even if one fails;
 * the failures are then reported by rejecting (an `AggregateError` when several failed).
 *
 * @example
 * ```ts
 * const app = new MultiService();
 * new TCPServer(reactor, 9000, factory).setServiceParent(app);
 * attachService(reactor, app); // starts on every run, stops on every stop
 * ```
 */
export class MultiService extends Service implements Iterable<ServiceLike> {
  readonly #services: ServiceLike[] = [];
  readonly #named = new Map<string, ServiceLike>();

  /** Adds a child. Throws `ServiceError` (`ERR_DUPLICATE_SERVICE`) for a name already used; starts it if this runs. */
  addService(service: ServiceLike): void | Promise<void> {
    if (service.name !== null) {
      if (this.#named.has(service.name))
        throw new ServiceError(
          "ERR_DUPLICATE_SERVICE",
          `A service named ${JSON.stringify(service.name)} already exists.`,
        );
      this.#named.set(service.name, service);
    }
    this.#services.push(service);
    if (service instanceof Service) service.parent = this;
    if (this.running) return service.startService();
  }

  /** Removes a child; stops it if this runs. Throws `ServiceError` (`ERR_NO_SUCH_SERVICE`) for a stranger. */
  removeService(service: ServiceLike): void | Promise<void> {
    const i = this.#services.indexOf(service);
    if (i < 0)
      throw new ServiceError(
        "ERR_NO_SUCH_SERVICE",
        `Service ${JSON.stringify(service.name)} is not a child of this service.`,
      );
    this.#services.splice(i, 1);
    if (service.name !== null) this.#named.delete(service.name);
    if (service instanceof Service && service.parent === this) service.parent = null;
    if (this.running && service.running) return service.stopService();
  }

  /** The child named `name`. Throws `ServiceError` (`ERR_NO_SUCH_SERVICE`) if there is none. */
  getServiceNamed(name: string): ServiceLike {
    const s = this.#named.get(name);
    if (!s)
      throw new ServiceError("ERR_NO_SUCH_SERVICE", `No service named ${JSON.stringify(name)}.`);
    return s;
  }

  [Symbol.iterator](): Iterator<ServiceLike> {
    return [...this.#services][Symbol.iterator]();
  }

  override async startService(): Promise<void> {
    super.startService();
    for (const s of [...this.#services]) {
      if (s.running) continue;
      const r = s.startService();
      if (isThenable(r)) await r;
    }
  }

  override async stopService(): Promise<void> {
    super.stopService();
    const errors: unknown[] = [];
    for (const s of [...this.#services].reverse()) {
      if (!s.running) continue;
      try {
        const r = s.stopService();
        if (isThenable(r)) await r;
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1)
      throw new AggregateError(errors, `${errors.length} services failed to stop.`);
  }
}

/**
 * Ties a service to a reactor's lifecycle, for every run: it is started in the `during startup`
 * phase (the reactor is running, so ports bind at once) and stopped in the `before shutdown` phase
 * (the reactor keeps serving until `stopService()` settles, bounded by the reactor's
 * `triggerTimeoutMs`; then remaining connections are closed). If the reactor is already running it
 * starts now. Returns a function that detaches it again (without stopping it).
 *
 * This is what makes services restart-safe: run, stop and run the reactor again and the service
 * comes back each time.
 *
 * @example
 * ```ts
 * const detach = attachService(reactor, new TCPServer(reactor, 9000, factory));
 * await reactor.run(); // listening while it runs; closed after stop(); again on the next run()
 * ```
 */
export function attachService(
  reactor: Pick<ReactorCore, "addSystemEventTrigger" | "removeSystemEventTrigger" | "running">,
  service: ServiceLike,
): () => void {
  const ids: TriggerId[] = [
    reactor.addSystemEventTrigger("during", "startup", () =>
      service.running ? undefined : service.startService(),
    ),
    reactor.addSystemEventTrigger("before", "shutdown", () =>
      service.running ? service.stopService() : undefined,
    ),
  ];
  if (reactor.running && !service.running) {
    const r = service.startService();
    if (isThenable(r)) Promise.resolve(r).catch(() => {});
  }
  return () => {
    for (const id of ids.splice(0)) {
      try {
        reactor.removeSystemEventTrigger(id);
      } catch {
        // already removed
      }
    }
  };
}

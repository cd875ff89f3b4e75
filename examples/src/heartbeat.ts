// A heartbeat that sends "PING" every intervalMs and closes the connection when no "PONG" came back
// within timeoutMs. It takes its time source (ReactorTime) as a parameter, so a test drives it in
// virtual time with @lr/testing's Clock (see heartbeat.test.ts): no test sleeps.
import { LineReceiver } from "@lr/line-protocol";
import type { DelayedCall, ReactorTime } from "@lr/reactor";

/** Sends PING every `intervalMs`; drops the connection if a PONG is `timeoutMs` late. */
export class Heartbeat extends LineReceiver {
  /** PONGs received. */
  pongs = 0;
  #tick: DelayedCall | null = null;
  #deadline: DelayedCall | null = null;

  constructor(
    private readonly time: ReactorTime,
    private readonly intervalMs = 10_000,
    private readonly timeoutMs = 3_000,
  ) {
    super();
  }

  override connectionMade() {
    this.#schedule();
  }

  override lineReceived(line: string) {
    if (line !== "PONG") return;
    this.pongs++;
    this.#deadline?.cancel();
    this.#deadline = null;
  }

  override connectionLost(reason: Error) {
    if (this.#tick?.active()) this.#tick.cancel();
    if (this.#deadline?.active()) this.#deadline.cancel();
    super.connectionLost(reason);
  }

  #schedule() {
    this.#tick = this.time.callLater(this.intervalMs, () => {
      this.sendLine("PING");
      this.#deadline = this.time.callLater(this.timeoutMs, () => this.transport?.loseConnection());
      this.#schedule();
    });
  }
}

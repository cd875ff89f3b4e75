/**
 * One log line per burst: the first event of a kind is printed at once; the ones that follow within
 * `intervalMs` are only counted, and one line saying how many is printed when the interval ends. A
 * flood of refused connections or accept failures therefore costs a couple of lines a second.
 */
export class RateLimitedLog {
  readonly #windows = new Map<
    string,
    { suppressed: number; timer: NodeJS.Timeout; summary: (n: number) => string }
  >();

  constructor(
    private readonly write: (line: string) => void,
    readonly intervalMs = 1000,
  ) {}

  /**
   * Logs `line` unless a line of the same `key` was logged less than `intervalMs` ago; `summary(n)`
   * is the line printed at the end of a window in which `n` more events were held back.
   */
  log(key: string, line: string, summary: (suppressed: number) => string): void {
    const window = this.#windows.get(key);
    if (window) {
      window.suppressed++;
      return;
    }
    this.write(line);
    const open = {
      suppressed: 0,
      timer: setTimeout(() => this.#close(key), this.intervalMs),
      summary,
    };
    open.timer.unref();
    this.#windows.set(key, open);
  }

  /** Prints the pending summaries now and stops every timer. */
  flush(): void {
    for (const [key, w] of [...this.#windows]) {
      clearTimeout(w.timer);
      this.#close(key);
    }
  }

  #close(key: string): void {
    const window = this.#windows.get(key);
    this.#windows.delete(key);
    if (window && window.suppressed > 0) this.write(window.summary(window.suppressed));
  }
}

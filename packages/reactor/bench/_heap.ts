/**
 * The floor for a timer queue: a minimal binary heap ordered by (time, seq) with a lazy "cancelled"
 * flag, no validation, no bookkeeping. Shared by the scheduler benchmark (files starting with `_`
 * are not run by the harness).
 */
export interface HeapEntry {
  time: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

export class BareHeap {
  readonly items: HeapEntry[] = [];
  #seq = 0;

  push(time: number, fn: () => void): HeapEntry {
    const e: HeapEntry = { time, seq: this.#seq++, fn, cancelled: false };
    const a = this.items;
    let i = a.length;
    a.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = a[p] as HeapEntry;
      if (parent.time < e.time || (parent.time === e.time && parent.seq < e.seq)) break;
      a[i] = parent;
      i = p;
    }
    a[i] = e;
    return e;
  }

  pop(): HeapEntry | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (top === undefined || last === undefined || a.length === 0) return top;
    let i = 0;
    const n = a.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      const L = a[l] as HeapEntry;
      if (r < n) {
        const R = a[r] as HeapEntry;
        if (R.time < L.time || (R.time === L.time && R.seq < L.seq)) c = r;
      }
      const C = a[c] as HeapEntry;
      if (last.time < C.time || (last.time === C.time && last.seq < C.seq)) break;
      a[i] = C;
      i = c;
    }
    a[i] = last;
    return top;
  }
}

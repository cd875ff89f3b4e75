// Thread job module of the runtime smoke suite (loaded by the reactor's worker threads).
export function square(x) {
  return x * x;
}
export function fail() {
  const e = new RangeError("too big");
  e.code = "E_BIG";
  throw e;
}

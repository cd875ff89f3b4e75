/** The error a program's script throws (same name on both sides). */
export class Boom extends Error {
  override name = "Boom";
}

/** The trace name of an error: its class name (Twisted's exception names, lr's error classes). */
export function errName(error: unknown): string {
  if (error instanceof Error) return error.constructor.name;
  return typeof error;
}

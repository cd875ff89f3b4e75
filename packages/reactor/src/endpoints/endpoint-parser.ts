import { BadEndpointError } from "../core/errors.js";

/** An endpoint description split into its parts (see {@link parseEndpoint}). */
export interface ParsedEndpoint {
  /** The endpoint type as written (`tcp`, `unix`, `ssl`, `tls`...). */
  readonly type: string;
  /** Positional arguments, in order. */
  readonly args: readonly string[];
  /** Keyword arguments (`key=value`); a repeated key keeps its last value. */
  readonly kwargs: Readonly<Record<string, string>>;
}

/**
 * Splits an endpoint description with Twisted's grammar: `type:arg:key=value:...`. Items are
 * separated by `:`; an item containing `=` is a keyword argument (only its first `=` splits, so
 * `k=v=w` gives `k` = `v=w`); a backslash escapes the next character (`\:`, `\=`, `\\`); empty items
 * are allowed. Throws `BadEndpointError` (`ERR_BAD_ENDPOINT`) for an empty type or a trailing lone
 * backslash.
 *
 * @example
 * ```ts
 * parseEndpoint("tcp:9000:interface=\\:\\:1");
 * // { type: "tcp", args: ["9000"], kwargs: { interface: "::1" } }
 * ```
 */
export function parseEndpoint(description: string): ParsedEndpoint {
  if (typeof description !== "string")
    throw new BadEndpointError(
      String(description),
      String(description),
      "an endpoint description must be a string",
    );
  const items: string[][] = [];
  let item: string[] = [];
  let current = "";
  let keyDone = false;
  for (let i = 0; i < description.length; i++) {
    const ch = description[i] as string;
    if (ch === "\\") {
      i++;
      if (i >= description.length)
        throw new BadEndpointError(
          description,
          description.slice(-8),
          "it ends with a lone backslash",
        );
      current += description[i];
    } else if (ch === ":") {
      item.push(current);
      items.push(item);
      item = [];
      current = "";
      keyDone = false;
    } else if (ch === "=" && !keyDone) {
      item.push(current);
      current = "";
      keyDone = true;
    } else {
      current += ch;
    }
  }
  item.push(current);
  items.push(item);
  const args: string[] = [];
  // No prototype: a key such as `__proto__` or `constructor` is an ordinary (unknown) key.
  const kwargs: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const it of items) {
    if (it.length === 1) args.push(it[0] as string);
    else kwargs[it[0] as string] = it[1] as string;
  }
  const type = args.shift();
  if (type === undefined || type === "") {
    throw new BadEndpointError(
      description,
      description.split(":")[0] ?? "",
      "it does not start with an endpoint type (e.g. tcp:)",
    );
  }
  return { type, args, kwargs };
}

/**
 * Escapes a value for use inside an endpoint description (backslashes, colons and equals signs),
 * like Twisted's `quoteStringArgument`.
 *
 * @example
 * ```ts
 * `unix:${quoteEndpointArgument("C:\\sock")}`; // "unix:C\\:\\\\sock"
 * ```
 */
export function quoteEndpointArgument(value: string): string {
  return value.replace(/[\\:=]/g, (c) => `\\${c}`);
}

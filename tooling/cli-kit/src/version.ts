/** Library versions the program was built with, set by the `program()` tsup preset's `libraryVersions`. */
declare const __LR_VERSIONS__: Record<string, string> | undefined;

/**
 * `lr-server 0.1.0 (@lr/reactor 0.2.0, @lr/line-protocol 0.2.0, node v20.19.0)`: the program's own
 * version and those of the libraries bundled into it (read from their package.json at build time;
 * none when run unbundled, e.g. from a test).
 */
export function versionLine(program: string, version: string): string {
  const libs = typeof __LR_VERSIONS__ === "undefined" ? {} : __LR_VERSIONS__;
  const parts = Object.entries(libs).map(([name, v]) => `${name} ${v}`);
  parts.push(`node ${process.version}`);
  return `${program} ${version} (${parts.join(", ")})`;
}

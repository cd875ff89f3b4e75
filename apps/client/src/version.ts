import pkg from "../package.json" with { type: "json" };

declare const __LR_VERSIONS__: Record<string, string> | undefined;

/**
 * `lr-client 0.1.0 (@lr/reactor 0.1.0, @lr/line-protocol 0.1.0, node v20.19.0)`: the app's own
 * version and those of the libraries bundled with it (read from their package.json at build time).
 */
export function versionLine(program: string): string {
  const libs = typeof __LR_VERSIONS__ === "undefined" ? {} : __LR_VERSIONS__;
  const parts = Object.entries(libs).map(([name, version]) => `${name} ${version}`);
  parts.push(`node ${process.version}`);
  return `${program} ${pkg.version} (${parts.join(", ")})`;
}

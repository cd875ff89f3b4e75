// Shared by the pack-and-install suites: run a command like a fresh shell
// would, pack the publishable packages once (global setup) and install the
// tarballs with plain npm into a consumer folder outside the workspace.
import { execFile } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The repository root. */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
/** The workspace's TypeScript compiler and `@types` folder (a consumer brings its own). */
export const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
export const nodeTypes = join(root, "node_modules", "@types");

/** The publishable packages, in dependency order. */
export const pkgs = [
  { name: "@lr/reactor", dir: "packages/reactor" },
  { name: "@lr/testing", dir: "packages/testing" },
  { name: "@lr/line-protocol", dir: "packages/line-protocol" },
] as const;
export type PackageName = (typeof pkgs)[number]["name"];

/** What the global setup provides to every suite (`inject("packed")`). */
export interface Packed {
  /** A temp folder owned by the run; suites make their consumers under it. */
  work: string;
  /** Tarball path per package. */
  tarballs: Record<PackageName, string>;
  /** The package.json inside each tarball. */
  manifests: Record<PackageName, Record<string, unknown>>;
}

declare module "vitest" {
  export interface ProvidedContext {
    packed: Packed;
  }
}

// pnpm puts its own npm_* variables in the environment of scripts; the
// consumer must behave like a fresh shell, not like a workspace script. Only
// the network settings (registry, certificates, proxies, cache) are kept.
const KEEP =
  /^npm_config_(registry|cafile|ca|cert|key|strict_ssl|proxy|https_proxy|noproxy|cache)$/i;
/** The environment of a fresh shell (no pnpm/npm script variables, no NODE_OPTIONS, no vitest). */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (KEEP.test(k) || !/^(npm_|pnpm_|NODE_OPTIONS$|VITEST|TURBO_)/i.test(k)) env[k] = v;
  }
  return { ...env, ...extra };
}

/** Runs `cmd` in `cwd` with a clean environment; the error says what failed, with its output. */
export async function sh(
  cmd: string,
  args: string[],
  cwd: string,
  timeout = 60_000,
  env: NodeJS.ProcessEnv = {},
) {
  try {
    return await run(cmd, args, {
      cwd,
      timeout,
      maxBuffer: 16 * 1024 * 1024,
      env: cleanEnv(env),
    });
  } catch (e) {
    const err = e as Error & { stdout?: string; stderr?: string };
    throw new Error(
      `${cmd} ${args.join(" ")} failed in ${cwd}: ${err.message}\n${err.stdout ?? ""}\n${err.stderr ?? ""}`,
    );
  }
}

/** `pnpm pack`s every publishable package into `dest` (so `workspace:^` becomes a real range). */
export async function packAll(dest: string): Promise<Omit<Packed, "work">> {
  mkdirSync(dest, { recursive: true });
  const tarballs = {} as Record<PackageName, string>;
  const manifests = {} as Record<PackageName, Record<string, unknown>>;
  for (const p of pkgs) {
    const before = new Set(readdirSync(dest));
    await sh("pnpm", ["pack", "--pack-destination", dest], join(root, p.dir));
    const tgz = readdirSync(dest).find((f) => !before.has(f) && f.endsWith(".tgz"));
    if (!tgz) throw new Error(`pnpm pack produced no tarball for ${p.name}`);
    tarballs[p.name] = join(dest, tgz);
    const { stdout } = await sh("tar", ["-xzOf", join(dest, tgz), "package/package.json"], dest);
    manifests[p.name] = JSON.parse(stdout) as Record<string, unknown>;
  }
  return { tarballs, manifests };
}

/**
 * Makes `dir` an ESM consumer project and `npm install`s the tarballs there, plus `extra`
 * registry packages (e.g. `vitest@4`). npm checks peer ranges: a conflict fails (ERESOLVE).
 */
export async function installConsumer(
  dir: string,
  packed: Packed,
  extra: string[] = [],
  timeout = 150_000,
): Promise<string> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify({ name: "lr-consumer", private: true, type: "module" }, null, 2)}\n`,
  );
  await sh(
    "npm",
    [
      "install",
      "--no-audit",
      "--no-fund",
      "--no-package-lock",
      "--loglevel=error",
      ...pkgs.map((p) => packed.tarballs[p.name]),
      ...extra,
    ],
    dir,
    timeout,
  );
  return dir;
}

import type { Options } from "tsup";

/** Options of {@link library}: the entries, and any tsup option to override. */
export type LibraryOptions = Options & { entry: NonNullable<Options["entry"]> };

/** Options of {@link program}: the entries, `shebang`, and any tsup option to override. */
export type ProgramOptions = Options & {
  entry: NonNullable<Options["entry"]>;
  /** Start the `main` entry with `#!/usr/bin/env node` (once, even if src/main.ts has one). */
  shebang?: boolean;
  /**
   * Workspace libraries (`"@lr/reactor"`...) whose versions the program may print: their
   * package.json versions become the build-time constant `__LR_VERSIONS__`.
   */
  libraryVersions?: readonly string[];
};

/** A finished tsup configuration (what a `tsup.config.ts` exports). */
export interface Preset extends Options {}

/** The preset of a published library (ESM, `.d.ts`, chunks shared by the entries, tree-shaken). */
export function library(options: LibraryOptions): Preset;

/** The preset of a runnable program (one file per entry, no `.d.ts`, optional shebang). */
export function program(options: ProgramOptions): Preset;

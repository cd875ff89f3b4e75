// Finds the ```ts blocks of every README.md of the repository (the ones git
// tracks), for the README examples check.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The marker, alone on the line before a block's fence, that makes the block a fragment. */
export const FRAGMENT_MARKER = "<!-- fragment -->";

/** One fenced TypeScript block. */
export interface ReadmeBlock {
  /** The README, relative to the repository root. */
  readme: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The block's text. */
  code: string;
  /** Marked with {@link FRAGMENT_MARKER}: only parsed, not type-checked. */
  fragment: boolean;
  /** A file name for the block (unique, stable while the README does not move it). */
  file: string;
}

/** Every README.md git tracks (or would add: untracked but not ignored), sorted. */
export function readmes(root: string): string[] {
  const out = execFileSync(
    "git",
    ["ls-files", "--cached", "--others", "--exclude-standard", "--", "README.md", "**/README.md"],
    { cwd: root, encoding: "utf8" },
  );
  return [...new Set(out.split("\n").filter(Boolean))].sort();
}

/** The ```ts / ```typescript blocks of one README. A fence with other words after `ts` counts too. */
export function blocksOf(root: string, readme: string): ReadmeBlock[] {
  const lines = readFileSync(join(root, readme), "utf8").split("\n");
  const blocks: ReadmeBlock[] = [];
  const slug = readme.replace(/\/?README\.md$/, "").replace(/[^A-Za-z0-9]+/g, "-") || "root";
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*(ts|typescript)\b/.exec(lines[i] ?? "");
    if (!open) continue;
    const fence = open[2] as string;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !(lines[j] ?? "").trimStart().startsWith(fence))
      body.push(lines[j++] ?? "");
    if (j >= lines.length) throw new Error(`${readme}:${i + 1}: unclosed code block`);
    let k = i - 1;
    while (k >= 0 && (lines[k] ?? "").trim() === "") k--;
    blocks.push({
      readme,
      line: i + 1,
      code: `${body.join("\n")}\n`,
      fragment: (lines[k] ?? "").trim() === FRAGMENT_MARKER,
      file: `${slug}-L${i + 1}.ts`,
    });
    i = j;
  }
  return blocks;
}

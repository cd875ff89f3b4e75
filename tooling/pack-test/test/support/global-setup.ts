// Packs @lr/* once per run and hands the tarballs to every suite.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { packAll } from "./packed.js";

let work = "";

export async function setup(project: TestProject) {
  work = mkdtempSync(join(tmpdir(), "lr-pack-test-"));
  const { tarballs, manifests } = await packAll(join(work, "tarballs"));
  project.provide("packed", { work, tarballs, manifests });
}

export function teardown() {
  if (work && !process.env.LR_KEEP_PACK_TEST) rmSync(work, { recursive: true, force: true });
}

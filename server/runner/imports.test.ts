/**
 * No import cycles in server/runner (nor into it from the run store): every module's relative
 * and `~/server/runner/...` imports are followed, and a cycle fails with its path.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const folders = ["server/runner", "server/runs"];

function sources(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(relative);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [relative] : [];
  });
}

const files = folders.flatMap(sources);
const known = new Set(files);

/** The modules of the folders that `file` imports (type-only imports included: they are part of the design). */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(root, file), "utf8");
  const targets = [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+["']([^"']+)["']/gm)].map((m) => m[1]!);
  return targets.flatMap((target) => {
    const base = target.startsWith("~/")
      ? path.join(root, target.slice(2))
      : target.startsWith(".")
        ? path.resolve(path.dirname(path.join(root, file)), target)
        : null;
    if (!base) return [];
    const candidates = [`${base}.ts`, path.join(base, "index.ts")].map((c) => path.relative(root, c));
    return candidates.filter((c) => known.has(c)).slice(0, 1);
  });
}

function findCycle(): string[] | null {
  const graph = new Map(files.map((f) => [f, importsOf(f)]));
  const state = new Map<string, "visiting" | "done">();
  const visit = (file: string, trail: string[]): string[] | null => {
    if (state.get(file) === "done") return null;
    if (state.get(file) === "visiting") return [...trail.slice(trail.indexOf(file)), file];
    state.set(file, "visiting");
    for (const next of graph.get(file) ?? []) {
      const cycle = visit(next, [...trail, file]);
      if (cycle) return cycle;
    }
    state.set(file, "done");
    return null;
  };
  for (const file of files) {
    const cycle = visit(file, []);
    if (cycle) return cycle;
  }
  return null;
}

describe("server/runner imports", () => {
  it("has no cycles", () => {
    expect(files.length).toBeGreaterThan(10);
    expect(importsOf("server/runner/execute.ts")).toContain("server/runner/kinds/index.ts");
    expect(findCycle()).toBeNull();
  });

  it("the run store does not import the runner", () => {
    for (const file of sources("server/runs"))
      expect({ file, imports: importsOf(file).filter((i) => i.startsWith("server/runner/")) }).toEqual({ file, imports: [] });
  });
});

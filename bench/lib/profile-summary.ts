/**
 * Summarises a .cpuprofile (from bench/lib/cpu-profile.cjs): self time by function and by
 * package/folder, top entries. `tsx bench/lib/profile-summary.ts FILE [N]`
 */
import { readFileSync } from "node:fs";

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
const [file, top = "25"] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file!, "utf8")) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const where = (url: string) => {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url.includes(".next/server/chunks")) return "app chunks (.next)";
  return url ? url.replace(/^.*\/work\/wt\/[^/]+\//, "") : "(native/gc/idle)";
};
const fn = new Map<string, number>();
const pkg = new Map<string, number>();
for (const [id, t] of self) {
  const n = byId.get(id)!;
  const key = `${n.callFrame.functionName || "(anonymous)"} ${where(n.callFrame.url)}:${n.callFrame.lineNumber}`;
  fn.set(key, (fn.get(key) ?? 0) + t);
  const p = n.callFrame.url ? where(n.callFrame.url) : n.callFrame.functionName;
  pkg.set(p, (pkg.get(p) ?? 0) + t);
}
const show = (title: string, m: Map<string, number>) => {
  console.log(`== ${title}`);
  for (const [k, t] of [...m].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) console.log(`${((100 * t) / total).toFixed(1).padStart(5)} %  ${k}`);
};
show("self time by package / folder", pkg);
show("self time by function", fn);

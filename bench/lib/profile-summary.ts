/**
 * Summarises a .cpuprofile (from bench/lib/cpu-profile.cjs): self time by function and by
 * package/folder, top entries, over one or more profiles (e.g. every round of one call).
 * `tsx bench/lib/profile-summary.ts FILE... [N]`
 */
import { readFileSync } from "node:fs";

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
const args = process.argv.slice(2);
const top = args.find((a) => /^\d+$/.test(a)) ?? "25";
const files = args.filter((a) => !/^\d+$/.test(a));
/** Self time per call frame (node ids differ between profiles, frames do not). */
const self = new Map<string, { frame: Node["callFrame"]; time: number }>();
for (const file of files) {
  const profile = JSON.parse(readFileSync(file, "utf8")) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)!.callFrame;
    const key = `${frame.functionName}|${frame.url}|${frame.lineNumber}`;
    const entry = self.get(key) ?? { frame, time: 0 };
    entry.time += profile.timeDeltas[i] ?? 0;
    self.set(key, entry);
  });
}
const total = [...self.values()].reduce((a, b) => a + b.time, 0);
const where = (url: string) => {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url.includes(".next/server/chunks")) return "app chunks (.next)";
  return url ? url.replace(/^.*\/work\/wt\/[^/]+\//, "") : "(native/gc/idle)";
};
const fn = new Map<string, number>();
const pkg = new Map<string, number>();
for (const { frame, time: t } of self.values()) {
  const key = `${frame.functionName || "(anonymous)"} ${where(frame.url)}:${frame.lineNumber}`;
  fn.set(key, (fn.get(key) ?? 0) + t);
  const p = frame.url ? where(frame.url) : frame.functionName;
  pkg.set(p, (pkg.get(p) ?? 0) + t);
}
const show = (title: string, m: Map<string, number>) => {
  console.log(`== ${title}`);
  for (const [k, t] of [...m].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) console.log(`${((100 * t) / total).toFixed(1).padStart(5)} %  ${k}`);
};
show("self time by package / folder", pkg);
show("self time by function", fn);

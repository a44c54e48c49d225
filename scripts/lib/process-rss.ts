import { readdirSync, readFileSync } from "node:fs";

/** Resident memory of a process and all its descendants in MiB (Linux /proc), or null where /proc is missing. */
export function treeRssMiB(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return null;
  }
  const children = new Map<number, number[]>();
  for (const entry of entries) {
    try {
      // Field 4 of /proc/<pid>/stat is the parent pid; the command name (field 2) may contain spaces, so read after ")".
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while we looked.
    }
  }
  let kib = 0;
  const pending = [pid];
  while (pending.length) {
    const current = pending.pop()!;
    try {
      const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${current}/status`, "utf8"));
      kib += Number(match?.[1] ?? 0);
    } catch {
      continue;
    }
    pending.push(...(children.get(current) ?? []));
  }
  return Math.round(kib / 1024);
}

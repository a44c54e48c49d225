"use client";

import { useId, useState } from "react";
import { formatDateTime } from "~/components/format/time";
import { Button } from "~/components/ui/button";
import { Select } from "~/components/ui/form";
import { diffRows, diffStats, LineDiff } from "~/components/ui/line-diff";
import { Badge } from "~/components/ui/page";
import { formatCostRange } from "./format";

export type HistoryVersion = {
  id: string;
  version: string;
  publishedAt: Date | null;
  publishedBy: string | null;
  contentHash: string | null;
  minMonthlyCents: number | null;
  maxMonthlyCents: number | null;
  yaml: string;
  moduleFiles: Record<string, string>;
};

/** Every published version, newest first, and a diff between any two of them. */
export function VersionHistory({ versions }: { versions: HistoryVersion[] }) {
  return (
    <div className="space-y-6">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Published versions</caption>
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <th scope="col" className="pb-2 pr-4 font-medium">
              Version
            </th>
            <th scope="col" className="pb-2 pr-4 font-medium">
              Published
            </th>
            <th scope="col" className="hidden pb-2 pr-4 font-medium md:table-cell">
              Cost range
            </th>
            <th scope="col" className="hidden pb-2 font-medium sm:table-cell">
              Content hash
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 align-top">
          {versions.map((v, i) => (
            <tr key={v.id}>
              <th scope="row" className="whitespace-nowrap py-2.5 pr-4 font-normal">
                <span className="font-mono font-medium text-slate-900">{v.version}</span>
                {i === 0 && (
                  <span className="ml-2">
                    <Badge tone="green">latest</Badge>
                  </span>
                )}
              </th>
              <td className="py-2.5 pr-4 text-slate-700">
                <span className="block">{formatDateTime(v.publishedAt)}</span>
                <span className="block text-xs text-slate-500">by {v.publishedBy ?? "unknown"}</span>
              </td>
              <td className="hidden py-2.5 pr-4 tabular-nums text-slate-700 md:table-cell">
                {v.minMonthlyCents !== null && v.maxMonthlyCents !== null ? formatCostRange(v.minMonthlyCents, v.maxMonthlyCents) : "–"}
              </td>
              <td className="hidden py-2.5 sm:table-cell">
                {v.contentHash ? (
                  <code className="font-mono text-xs text-slate-600" title={`sha256 ${v.contentHash}`}>
                    {v.contentHash.slice(0, 12)}
                  </code>
                ) : (
                  "–"
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <VersionCompare versions={versions} />
    </div>
  );
}

function changedFiles(from: HistoryVersion, to: HistoryVersion) {
  const moduleNames = [...new Set([...Object.keys(from.moduleFiles), ...Object.keys(to.moduleFiles)])].sort();
  const files = [
    { name: "template.yaml", before: from.yaml, after: to.yaml, status: "changed" as const },
    ...moduleNames.map((name) => {
      const before = from.moduleFiles[name];
      const after = to.moduleFiles[name];
      const status = before === undefined ? ("added" as const) : after === undefined ? ("removed" as const) : ("changed" as const);
      return { name: `module/${name}`, before: before ?? "", after: after ?? "", status };
    }),
  ];
  return files.filter((f) => f.before !== f.after);
}

function VersionCompare({ versions }: { versions: HistoryVersion[] }) {
  const id = useId();
  const [fromId, setFromId] = useState(versions[1]?.id ?? versions[0]?.id ?? "");
  const [toId, setToId] = useState(versions[0]?.id ?? "");
  const from = versions.find((v) => v.id === fromId);
  const to = versions.find((v) => v.id === toId);

  if (versions.length < 2 || !from || !to) {
    return (
      <section aria-labelledby={`${id}-title`} className="border-t border-slate-100 pt-5">
        <h3 id={`${id}-title`} className="text-sm font-semibold text-slate-800">
          Compare versions
        </h3>
        <p className="mt-1 text-sm text-slate-600">Only one version is published so far. Once there is another, you can compare any two here.</p>
      </section>
    );
  }

  const files = from.id === to.id ? [] : changedFiles(from, to);
  const totals = files.reduce(
    (sum, f) => {
      const stats = diffStats(diffRows(f.before, f.after));
      return { added: sum.added + stats.added, removed: sum.removed + stats.removed };
    },
    { added: 0, removed: 0 },
  );

  return (
    <section aria-labelledby={`${id}-title`} className="space-y-4 border-t border-slate-100 pt-5">
      <div className="flex flex-wrap items-end gap-3">
        <h3 id={`${id}-title`} className="mr-auto w-full text-sm font-semibold text-slate-800 sm:w-auto sm:self-center">
          Compare versions
        </h3>
        <div>
          <label htmlFor={`${id}-from`} className="mb-1 block text-xs font-medium text-slate-700">
            From version
          </label>
          <Select id={`${id}-from`} value={fromId} onChange={(e) => setFromId(e.target.value)}>
            {versions.map((v) => (
              <option key={v.id} value={v.id}>
                {v.version}
              </option>
            ))}
          </Select>
        </div>
        <div>
          <label htmlFor={`${id}-to`} className="mb-1 block text-xs font-medium text-slate-700">
            To version
          </label>
          <Select id={`${id}-to`} value={toId} onChange={(e) => setToId(e.target.value)}>
            {versions.map((v) => (
              <option key={v.id} value={v.id}>
                {v.version}
              </option>
            ))}
          </Select>
        </div>
        <Button
          variant="secondary"
          aria-label="Swap the two versions"
          onClick={() => {
            setFromId(toId);
            setToId(fromId);
          }}
        >
          ⇄ Swap
        </Button>
      </div>

      <p role="status" className="text-sm text-slate-600">
        {from.id === to.id ? (
          "Pick two different versions to see what changed."
        ) : files.length === 0 ? (
          `${from.version} and ${to.version} have the same content.`
        ) : (
          <>
            From {from.version} to {to.version}: <span className="font-medium text-emerald-700">+{totals.added}</span>{" "}
            <span className="font-medium text-red-700">−{totals.removed}</span> lines
            {files.length > 1 ? ` in ${files.length} files` : ""}.
          </>
        )}
      </p>

      {files.map((f) => (
        <div key={`${from.id}:${to.id}:${f.name}`} className="space-y-1.5">
          <p className="font-mono text-xs font-medium text-slate-700">
            {f.name}
            {f.status !== "changed" && <span className="ml-2 font-sans text-slate-500">({f.status === "added" ? "new file" : "file removed"})</span>}
          </p>
          <LineDiff before={f.before} after={f.after} label={`Changes to ${f.name} from ${from.version} to ${to.version}`} />
        </div>
      ))}
    </section>
  );
}

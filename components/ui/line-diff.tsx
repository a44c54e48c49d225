"use client";

import { diffLines } from "diff";
import { Fragment, useMemo, useState } from "react";

export type DiffRow = { kind: "added" | "removed" | "same"; text: string; oldLine: number | null; newLine: number | null };

/** A unified line diff of two texts, one row per line, with old and new line numbers. */
export function diffRows(before: string, after: string): DiffRow[] {
  const rows: DiffRow[] = [];
  let oldLine = 1;
  let newLine = 1;
  for (const change of diffLines(before, after)) {
    const lines = change.value.replace(/\n$/, "").split("\n");
    for (const text of lines) {
      if (change.added) rows.push({ kind: "added", text, oldLine: null, newLine: newLine++ });
      else if (change.removed) rows.push({ kind: "removed", text, oldLine: oldLine++, newLine: null });
      else rows.push({ kind: "same", text, oldLine: oldLine++, newLine: newLine++ });
    }
  }
  return rows;
}

export type DiffSegment = { kind: "rows"; rows: DiffRow[] } | { kind: "hidden"; rows: DiffRow[]; start: number };

/** Rows near a change stay visible (`context` lines either side); longer unchanged runs fold. */
export function foldUnchanged(rows: readonly DiffRow[], context = 3): DiffSegment[] {
  const near = rows.map(() => false);
  rows.forEach((row, i) => {
    if (row.kind === "same") return;
    for (let j = Math.max(0, i - context); j <= Math.min(rows.length - 1, i + context); j++) near[j] = true;
  });
  const segments: DiffSegment[] = [];
  let i = 0;
  while (i < rows.length) {
    const visible = near[i] ?? false;
    let j = i;
    while (j < rows.length && (near[j] ?? false) === visible) j++;
    const run = rows.slice(i, j);
    // Folding fewer than 4 lines saves nothing: show them.
    if (visible || run.length < 4) segments.push({ kind: "rows", rows: run });
    else segments.push({ kind: "hidden", rows: run, start: i });
    i = j;
  }
  return segments;
}

export function diffStats(rows: readonly DiffRow[]) {
  return { added: rows.filter((r) => r.kind === "added").length, removed: rows.filter((r) => r.kind === "removed").length };
}

const rowStyles = {
  added: { row: "bg-emerald-50", marker: "text-emerald-700", text: "text-emerald-950", sign: "+", label: "added" },
  removed: { row: "bg-red-50", marker: "text-red-700", text: "text-red-950", sign: "−", label: "removed" },
  same: { row: "", marker: "text-slate-400", text: "text-slate-700", sign: " ", label: "" },
} as const;

function Row({ row }: { row: DiffRow }) {
  const style = rowStyles[row.kind];
  return (
    <tr className={style.row}>
      <td className="w-10 select-none border-r border-slate-200 px-2 text-right text-slate-400">{row.oldLine ?? ""}</td>
      <td className="w-10 select-none border-r border-slate-200 px-2 text-right text-slate-400">{row.newLine ?? ""}</td>
      <td className={`w-6 select-none pl-2 text-center font-semibold ${style.marker}`}>
        <span aria-hidden>{style.sign}</span>
        {style.label && <span className="sr-only">{style.label}</span>}
      </td>
      <td className={`whitespace-pre pl-1 pr-4 ${style.text}`}>{row.text || " "}</td>
    </tr>
  );
}

/**
 * Two texts as a unified line diff: additions green with "+", removals red with "−" (the
 * markers carry the meaning for people who do not see the colours), long unchanged runs folded
 * behind a button.
 */
export function LineDiff({ before, after, label }: { before: string; after: string; label: string }) {
  const rows = useMemo(() => diffRows(before, after), [before, after]);
  const segments = useMemo(() => foldUnchanged(rows), [rows]);
  const [expanded, setExpanded] = useState<ReadonlySet<number>>(new Set());
  return (
    <div role="region" aria-label={label} tabIndex={0} className="overflow-x-auto rounded-md border border-slate-200 bg-white">
      <table className="w-full border-collapse font-mono text-xs leading-5">
        <caption className="sr-only">{label}</caption>
        <thead className="sr-only">
          <tr>
            <th scope="col">Old line</th>
            <th scope="col">New line</th>
            <th scope="col">Change</th>
            <th scope="col">Text</th>
          </tr>
        </thead>
        <tbody>
          {segments.map((segment, i) =>
            segment.kind === "rows" || expanded.has(segment.start) ? (
              <Fragment key={i}>
                {segment.rows.map((row, j) => (
                  <Row key={j} row={row} />
                ))}
              </Fragment>
            ) : (
              <tr key={i} className="bg-slate-50">
                <td colSpan={4} className="border-y border-slate-200 px-2 py-0.5">
                  <button
                    type="button"
                    className="rounded px-2 py-0.5 font-sans text-xs font-medium text-brand-700 hover:bg-brand-50"
                    onClick={() => setExpanded((prev) => new Set(prev).add(segment.start))}
                  >
                    Show {segment.rows.length} unchanged lines
                  </button>
                </td>
              </tr>
            ),
          )}
        </tbody>
      </table>
    </div>
  );
}

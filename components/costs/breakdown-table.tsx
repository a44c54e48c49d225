import type { ReactNode } from "react";
import { formatCentsExact } from "~/components/format/money";
import { plural } from "~/components/format/plural";
import { percent } from "./format";
import type { CostGroupRow } from "./types";

/** Spend by one dimension (template, tier, a tag's values, team): cost, share with a bar, environments. */
export function BreakdownTable({
  label,
  keyHeader,
  rows,
  controls,
}: {
  label: string;
  keyHeader: string;
  rows: CostGroupRow[];
  controls?: ReactNode;
}) {
  return (
    <section className="rounded-lg border border-slate-200 bg-white shadow-sm">
      <div className="flex min-h-12 flex-wrap items-center justify-between gap-2 border-b border-slate-100 px-4 py-2">
        <h2 className="text-sm font-semibold text-slate-800">{label}</h2>
        {controls}
      </div>
      {rows.length === 0 ? (
        <p className="px-4 py-6 text-sm text-slate-500">Nothing this month.</p>
      ) : (
        // Fixed layout: the name column takes what the figures leave and truncates, so Share is never clipped in a narrow column.
        <table aria-label={label} className="w-full table-fixed text-left text-sm">
          <thead className="text-xs uppercase text-slate-500">
            <tr>
              <th scope="col" className="px-4 py-2 font-medium">
                {keyHeader}
              </th>
              <th scope="col" className="w-28 px-3 py-2 text-right font-medium">
                Cost
              </th>
              <th scope="col" className="hidden w-28 py-2 pl-1 pr-4 font-medium sm:table-cell">
                Share
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {rows.map((r) => (
              <tr key={r.key}>
                <th scope="row" className="truncate px-4 py-2 font-medium text-slate-800" title={r.key}>
                  {r.key}
                  <span className="block truncate text-xs font-normal text-slate-500">{plural(r.environments, "environment")}</span>
                </th>
                <td className="px-3 py-2 text-right tabular-nums text-slate-900">{formatCentsExact(r.cents)}</td>
                <td className="hidden py-2 pl-1 pr-4 sm:table-cell">
                  <div className="flex items-center gap-2">
                    <span aria-hidden className="h-1.5 min-w-0 flex-1 overflow-hidden rounded-full bg-slate-100">
                      <span className="block h-full rounded-full bg-brand-500" style={{ width: `${Math.min(100, r.percent)}%` }} />
                    </span>
                    <span className="shrink-0 text-right text-xs tabular-nums text-slate-600">{percent(r.percent)}</span>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

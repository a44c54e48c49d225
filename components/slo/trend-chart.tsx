"use client";

import { useId, useState } from "react";
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatDateTime } from "~/components/format/time";
import { formatCentsExact } from "~/components/format/money";
import { Button } from "~/components/ui/button";
import type { Executive } from "./types";

type Series = "successRatio" | "environments" | "spendCents";
const meta: Record<Series, { title: string; format: (v: number | null) => string; color: string }> = {
  successRatio: { title: "Success rate", format: (v) => (v === null ? "–" : `${(v * 100).toFixed(1)} %`), color: "#059669" },
  environments: { title: "Live environments", format: (v) => String(v ?? 0), color: "#2f43ad" },
  spendCents: { title: "Spend", format: (v) => formatCentsExact(v ?? 0), color: "#b45309" },
};

/** One trend line, an image with a summary for screen readers and a "Show as table" toggle with every point. */
export function TrendChart({ trend, series }: { trend: Executive["trend"]; series: Series }) {
  const [asTable, setAsTable] = useState(false);
  const tableId = useId();
  const m = meta[series];
  const values = trend.map((p) => p[series]).filter((v): v is number => v !== null);
  const summary = values.length
    ? `${m.title} over ${trend.length} points: first ${m.format(values[0]!)}, last ${m.format(values.at(-1)!)}, lowest ${m.format(Math.min(...values))}, highest ${m.format(Math.max(...values))}.`
    : `${m.title}: no data in this range.`;
  return (
    <div>
      <div className="mb-1 flex items-center justify-between">
        <h3 className="text-sm font-semibold text-slate-800">{m.title}</h3>
        <Button variant="secondary" aria-expanded={asTable} aria-controls={tableId} onClick={() => setAsTable((v) => !v)}>
          {asTable ? "Show as chart" : "Show as table"}
        </Button>
      </div>
      {asTable ? (
        <div className="relative overflow-x-auto" tabIndex={0} role="region" aria-label={`${m.title} per period`}>
          <table id={tableId} className="w-full text-sm">
            <caption className="sr-only">{m.title} per period</caption>
            <thead>
              <tr>
                <th scope="col" className="text-left">
                  Period
                </th>
                <th scope="col" className="text-right">
                  {m.title}
                </th>
              </tr>
            </thead>
            <tbody>
              {trend.map((p) => (
                <tr key={p.at}>
                  <td>{formatDateTime(p.at)}</td>
                  <td className="text-right tabular-nums">{m.format(p[series])}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <div role="img" aria-label={summary} className="h-40 w-full">
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={trend} margin={{ top: 4, right: 8, bottom: 0, left: 0 }} accessibilityLayer={false}>
              <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" vertical={false} />
              <XAxis
                dataKey="at"
                tickFormatter={(v: string) => v.slice(5, 13).replace("T", " ")}
                tick={{ fontSize: 10, fill: "#64748b" }}
                minTickGap={24}
              />
              <YAxis
                tick={{ fontSize: 10, fill: "#64748b" }}
                width={56}
                tickFormatter={(v: number) => m.format(v)}
                domain={series === "successRatio" ? [0, 1] : [0, "auto"]}
              />
              <Tooltip formatter={(v) => m.format(typeof v === "number" ? v : null)} labelFormatter={(v) => formatDateTime(String(v))} />
              <Line type="monotone" dataKey={series} stroke={m.color} dot={false} connectNulls isAnimationActive={false} />
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
    </div>
  );
}

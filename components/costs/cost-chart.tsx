"use client";

import { useId, useState } from "react";
import { Bar, CartesianGrid, ComposedChart, Legend, Line, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatCentsExact, formatDollarsShort } from "~/components/format/money";
import { formatDay } from "~/components/format/time";
import { monthLabel } from "~/server/schemas/costs";
import { moneyAxis } from "./format";
import type { CostSummary } from "./types";

const colors = { bar: "#93a6f5", cumulative: "#2f43ad", forecast: "#2f43ad", budget: "#dc2626" };

/** One sentence a screen reader gets for the chart; the table toggle has every figure. */
export function chartSummary(s: Pick<CostSummary, "month" | "spentCents" | "forecastCents" | "isCurrentMonth" | "budget" | "daily">): string {
  const spentDays = s.daily.filter((d) => d.cents !== null);
  const peak = spentDays.reduce<(typeof spentDays)[number] | null>(
    (best, d) => (best === null || (d.cents ?? 0) > (best.cents ?? 0) ? d : best),
    null,
  );
  const parts = [`Daily cost in ${monthLabel(s.month)}: ${formatCentsExact(s.spentCents)} spent${s.isCurrentMonth ? " so far" : ""}`];
  if (peak && (peak.cents ?? 0) > 0) parts.push(`highest on ${formatDay(peak.date)} at ${formatCentsExact(peak.cents ?? 0)}`);
  if (s.isCurrentMonth) parts.push(`forecast ${formatCentsExact(s.forecastCents)} by the month's end`);
  if (s.budget.limitCents > 0) parts.push(`budget ${formatCentsExact(s.budget.limitCents)}`);
  return `${parts.join("; ")}.`;
}

type Point = { date: string; day: string; daily: number | null; cumulative: number | null; forecast: number | null };

/**
 * Bars per day (left axis), month to date as a line and the forecast dashed (right axis), and
 * the budget as a red reference line on the month-to-date axis. The chart is an image with a
 * summary for screen readers; "Show as table" gives every day's figures.
 */
export function CostChart({ summary }: { summary: CostSummary }) {
  const [asTable, setAsTable] = useState(false);
  const tableId = useId();
  const data: Point[] = summary.daily.map((d) => ({
    date: d.date,
    day: String(Number(d.date.slice(8))),
    daily: d.cents === null ? null : d.cents / 100,
    cumulative: d.cumulativeCents === null ? null : d.cumulativeCents / 100,
    forecast: d.forecastCumulativeCents === null ? null : d.forecastCumulativeCents / 100,
  }));
  const budget = summary.budget.limitCents / 100;
  const highest = Math.max(summary.forecastCents, summary.spentCents) / 100;
  // The budget line is drawn when it is in sight of the month's figures; far above them it would flatten the lines to the floor.
  const showBudget = budget > 0 && budget <= Math.max(highest, 0.01) * 2.5;
  const totalAxis = moneyAxis(Math.max(highest, showBudget ? budget : 0) * 1.05);
  // Bars keep to the lower half, under the month-to-date lines and the budget.
  const dailyAxis = moneyAxis(Math.max(...data.map((d) => d.daily ?? 0)) * 1.8);

  return (
    <div className="space-y-3">
      <div role="img" aria-label={chartSummary(summary)} className="h-72 w-full">
        <ResponsiveContainer width="100%" height="100%">
          <ComposedChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} accessibilityLayer={false}>
            <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" vertical={false} />
            <XAxis
              dataKey="day"
              tick={{ fontSize: 11, fill: "#64748b" }}
              tickLine={false}
              axisLine={{ stroke: "#cbd5e1" }}
              interval="preserveStartEnd"
              minTickGap={8}
            />
            <YAxis
              yAxisId="daily"
              domain={[0, dailyAxis.max]}
              ticks={dailyAxis.ticks}
              tickFormatter={formatDollarsShort}
              tick={{ fontSize: 11, fill: "#64748b" }}
              tickLine={false}
              axisLine={false}
              width={52}
            />
            <YAxis
              yAxisId="total"
              orientation="right"
              tickFormatter={formatDollarsShort}
              tick={{ fontSize: 11, fill: "#64748b" }}
              tickLine={false}
              axisLine={false}
              width={56}
              domain={[0, totalAxis.max]}
              ticks={totalAxis.ticks}
            />
            <Tooltip
              formatter={(value, name) => [typeof value === "number" ? formatCentsExact(Math.round(value * 100)) : "–", name]}
              labelFormatter={(_, payload) => {
                const point = payload?.[0]?.payload as Point | undefined;
                return point ? formatDay(point.date) : "";
              }}
            />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            <Bar yAxisId="daily" dataKey="daily" name="Daily cost" fill={colors.bar} radius={[2, 2, 0, 0]} isAnimationActive={false} />
            <Line
              yAxisId="total"
              dataKey="cumulative"
              name="Month to date"
              stroke={colors.cumulative}
              strokeWidth={2}
              dot={false}
              isAnimationActive={false}
            />
            {summary.isCurrentMonth && (
              <Line
                yAxisId="total"
                dataKey="forecast"
                name="Forecast"
                stroke={colors.forecast}
                strokeWidth={2}
                strokeDasharray="6 4"
                dot={false}
                isAnimationActive={false}
              />
            )}
            {showBudget && (
              <ReferenceLine
                yAxisId="total"
                y={budget}
                stroke={colors.budget}
                strokeDasharray="2 2"
                label={{
                  value: `Budget ${formatCentsExact(summary.budget.limitCents)}`,
                  position: "insideTopLeft",
                  fill: colors.budget,
                  fontSize: 11,
                }}
              />
            )}
          </ComposedChart>
        </ResponsiveContainer>
      </div>
      <div className="flex flex-wrap items-center justify-between gap-2 text-xs text-slate-500">
        <p>
          Bars: each day&apos;s cost (left axis). Lines: month to date{summary.isCurrentMonth ? ", and the forecast dashed" : ""} (right axis).
          {showBudget && " Red: the monthly budget."}
          {budget > 0 && !showBudget && ` The budget (${formatCentsExact(summary.budget.limitCents)}) is far above these figures and not drawn.`}
        </p>
        <button
          type="button"
          aria-expanded={asTable}
          aria-controls={tableId}
          onClick={() => setAsTable((v) => !v)}
          className="rounded-md px-2 py-1 font-medium text-brand-700 hover:bg-brand-50"
        >
          {asTable ? "Hide table" : "Show as table"}
        </button>
      </div>
      <div id={tableId} hidden={!asTable} className="max-h-80 overflow-auto rounded-md border border-slate-200">
        {asTable && (
          <table aria-label={`Daily cost, ${monthLabel(summary.month)}`} className="w-full text-left text-sm">
            <thead className="sticky top-0 bg-slate-50 text-xs uppercase text-slate-500">
              <tr>
                <th scope="col" className="px-3 py-2 font-medium">
                  Day
                </th>
                <th scope="col" className="px-3 py-2 text-right font-medium">
                  Cost
                </th>
                <th scope="col" className="px-3 py-2 text-right font-medium">
                  Month to date
                </th>
                {summary.isCurrentMonth && (
                  <th scope="col" className="px-3 py-2 text-right font-medium">
                    Forecast to date
                  </th>
                )}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 tabular-nums">
              {summary.daily.map((d) => (
                <tr key={d.date}>
                  <th scope="row" className="px-3 py-1.5 font-normal text-slate-700">
                    {formatDay(d.date)}
                  </th>
                  <td className="px-3 py-1.5 text-right">{d.cents === null ? "–" : formatCentsExact(d.cents)}</td>
                  <td className="px-3 py-1.5 text-right">{d.cumulativeCents === null ? "–" : formatCentsExact(d.cumulativeCents)}</td>
                  {summary.isCurrentMonth && (
                    <td className="px-3 py-1.5 text-right">
                      {d.forecastCumulativeCents === null ? "–" : formatCentsExact(d.forecastCumulativeCents)}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </div>
  );
}

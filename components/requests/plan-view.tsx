import { formatCents, formatMicrosPerHour } from "~/components/format/money";
import { formatHours } from "~/components/format/time";
import type { Plan, PlannedResource } from "./types";

function Tags({ tags }: { tags: Record<string, string> }) {
  const entries = Object.entries(tags).sort(([a], [b]) => a.localeCompare(b));
  return (
    <details className="group mt-1.5">
      <summary className="w-fit cursor-pointer select-none rounded text-xs font-medium text-brand-700 hover:underline">{entries.length} tags</summary>
      <dl className="mt-1.5 grid grid-cols-[auto_minmax(0,1fr)] gap-x-3 gap-y-0.5 rounded-md bg-slate-50 px-2.5 py-2 font-mono text-xs">
        {entries.map(([key, value]) => (
          <div key={key} className="contents">
            <dt className="text-slate-500">{key}</dt>
            <dd className="break-all text-slate-800">{value}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

function ResourceItem({ resource: r }: { resource: PlannedResource }) {
  const facts = [r.size, r.region].filter(Boolean);
  return (
    <li className="py-2.5">
      <div className="flex items-start justify-between gap-3">
        <div className="min-w-0">
          <p className="font-medium text-slate-900">
            {r.title} <code className="ml-1 break-all font-mono text-xs font-normal text-slate-500">{r.address}</code>
          </p>
          <p className="mt-0.5 break-words text-xs text-slate-600">
            <span className="rounded bg-slate-100 px-1 py-px font-mono text-slate-700">
              <span className="sr-only">Type </span>
              {r.type}
            </span>
            {facts.length > 0 && <span> · {facts.join(" · ")}</span>}
          </p>
        </div>
        <p className="shrink-0 text-right text-xs tabular-nums">
          <span className="block text-slate-900">{r.monthlyCents === 0 ? "no charge" : `${formatCents(r.monthlyCents)}/mo`}</span>
          {r.hourlyMicros > 0 && <span className="block text-slate-500">{formatMicrosPerHour(r.hourlyMicros)}</span>}
        </p>
      </div>
      <Tags tags={r.tags} />
    </li>
  );
}

/** Every resource the plan creates, with type, size, region, cost and the full set of tags it will carry. */
export function PlanResources({ plan, label = "Planned resources" }: { plan: Plan; label?: string }) {
  if (plan.resources.length === 0) return <p className="text-sm text-slate-600">With these values the template creates nothing.</p>;
  return (
    <ul aria-label={label} className="divide-y divide-slate-100 text-sm">
      {plan.resources.map((r) => (
        <ResourceItem key={r.address} resource={r} />
      ))}
    </ul>
  );
}

export type CostFiguresInput = { hourlyMicros: number; monthlyCents: number; ttlHours: number; overTtlCents: number; monthShareCents?: number };

/** Hourly, monthly (730 hours) and over the lifetime. */
export function CostFigures({ cost }: { cost: CostFiguresInput }) {
  const figures: [string, string, string?][] = [
    ["Per hour", formatMicrosPerHour(cost.hourlyMicros).replace("/h", "")],
    ["Per month", formatCents(cost.monthlyCents), "730 hours"],
    [`Over ${formatHours(cost.ttlHours)}`, formatCents(cost.overTtlCents), "the whole lifetime"],
  ];
  return (
    <div>
      <dl className="grid grid-cols-3 gap-3">
        {figures.map(([label, value, note]) => (
          <div key={label} className="min-w-0">
            <dt className="text-xs font-medium text-slate-500">{label}</dt>
            <dd className="mt-0.5 text-base font-semibold tabular-nums text-slate-900">{value}</dd>
            {note && <dd className="text-xs text-slate-500">{note}</dd>}
          </div>
        ))}
      </dl>
      {cost.monthShareCents !== undefined && (
        <p className="mt-2 text-xs text-slate-500">
          This month&apos;s share, counted against the budget:{" "}
          <span className="font-medium tabular-nums text-slate-700">{formatCents(cost.monthShareCents)}</span>.
        </p>
      )}
    </div>
  );
}

import { formatCents } from "~/components/format/money";

/**
 * The monthly cost of a template: the range the parameters allow and the cost at the default
 * values, with a bar that shows where the defaults sit in the range.
 */
export function CostSummary({ minCents, maxCents, defaultCents, tier }: { minCents: number; maxCents: number; defaultCents: number; tier: string }) {
  const single = formatCents(minCents) === formatCents(maxCents);
  const share = single ? 0 : Math.min(1, Math.max(0, (defaultCents - minCents) / (maxCents - minCents)));
  const percent = Math.round(share * 1000) / 10;
  return (
    <div className="space-y-4">
      <div>
        <p className="text-2xl font-semibold tracking-tight tabular-nums text-slate-900">
          {single ? formatCents(minCents) : `${formatCents(minCents)} – ${formatCents(maxCents)}`}
          <span className="text-sm font-normal text-slate-500"> / month</span>
        </p>
        <p className="mt-0.5 text-sm text-slate-600">{single ? "The same whatever values you choose." : "Depending on the values you choose."}</p>
      </div>
      {!single && (
        <div aria-hidden className="pt-6">
          <div className="relative h-2 rounded-full bg-linear-to-r from-emerald-200 via-amber-200 to-red-300">
            <span
              className="absolute top-1/2 size-3.5 -translate-y-1/2 rounded-full border-2 border-white bg-brand-600 shadow"
              style={{ left: `calc(${percent}% - 0.4375rem)` }}
            />
            <span
              className="absolute -top-6 whitespace-nowrap text-xs font-medium text-brand-700"
              style={{ left: `${percent}%`, transform: `translateX(-${percent}%)` }}
            >
              defaults
            </span>
          </div>
          <div className="mt-1.5 flex justify-between text-xs tabular-nums text-slate-500">
            <span>{formatCents(minCents)}</span>
            <span>{formatCents(maxCents)}</span>
          </div>
        </div>
      )}
      <dl className="rounded-md bg-slate-50 px-3 py-2 text-sm ring-1 ring-inset ring-slate-200">
        <dt className="text-slate-600">At the default values ({tier} tier)</dt>
        <dd className="mt-0.5 text-base font-semibold tabular-nums text-slate-900">
          {formatCents(defaultCents)} <span className="text-sm font-normal text-slate-500">/ month</span>
        </dd>
      </dl>
      <p className="text-xs text-slate-500">
        Estimates from public list prices.{" "}
        <a href="#resources" className="text-brand-700 underline hover:text-brand-900">
          What each resource costs
        </a>
      </p>
    </div>
  );
}

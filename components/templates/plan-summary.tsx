import { formatCents } from "~/components/format/money";
import type { defaultPlan } from "~/server/services/catalog";
import type { CostRange } from "~/server/templates/cost-range";

export type DefaultPlan = ReturnType<typeof defaultPlan>;

/** Cheapest to dearest monthly cost over the choices a requester can make, and the cost at defaults. */
export function CostRangeSummary({ range }: { range: CostRange }) {
  const same = range.minMonthlyCents === range.maxMonthlyCents;
  return (
    <dl className="grid grid-cols-2 gap-4 text-sm">
      <div>
        <dt className="text-xs font-medium uppercase text-slate-500">Monthly cost range</dt>
        <dd className="mt-1 text-lg font-semibold tabular-nums text-slate-900">
          {same ? formatCents(range.minMonthlyCents) : `${formatCents(range.minMonthlyCents)} – ${formatCents(range.maxMonthlyCents)}`}
        </dd>
      </div>
      <div>
        <dt className="text-xs font-medium uppercase text-slate-500">At defaults</dt>
        <dd className="mt-1 text-lg font-semibold tabular-nums text-slate-900">{formatCents(range.defaultMonthlyCents)}</dd>
      </div>
    </dl>
  );
}

/** The resources a request with default values creates, with size, region and monthly cost. */
export function PlanTable({ plan, caption }: { plan: DefaultPlan; caption: string }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <th scope="col" className="pb-2 pr-3 font-medium">Resource</th>
            <th scope="col" className="pb-2 pr-3 font-medium">Size</th>
            <th scope="col" className="pb-2 text-right font-medium">Monthly</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {plan.resources.map((r) => (
            <tr key={r.address} className="align-top">
              <td className="py-2 pr-3">
                <span className="block font-medium text-slate-800">{r.title}</span>
                <span className="block break-all font-mono text-xs text-slate-500">{r.address}</span>
              </td>
              <td className="py-2 pr-3 text-slate-700">
                <span className="block">{r.size ?? "–"}</span>
                {r.region && <span className="block text-xs text-slate-500">{r.region}</span>}
              </td>
              <td className="py-2 text-right tabular-nums">{r.monthlyCents === 0 ? "free" : formatCents(r.monthlyCents)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr className="border-t border-slate-200 font-medium">
            <td className="pt-2" colSpan={2}>
              Total on tier {plan.tier}
            </td>
            <td className="pt-2 text-right tabular-nums">{formatCents(plan.monthlyCents)}</td>
          </tr>
        </tfoot>
      </table>
      <p className="mt-3 text-xs text-slate-500">
        Prices: {plan.priceSource.name}. Every resource is tagged with {plan.tagKeys.length} keys ({plan.tagKeys.slice(0, 4).join(", ")}, …).
      </p>
    </div>
  );
}

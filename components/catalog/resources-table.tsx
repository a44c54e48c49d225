import { formatCents } from "~/components/format/money";
import { formatDate } from "~/components/format/time";
import type { LatestVersion } from "./types";

function retrieved(date: string): string {
  const parsed = new Date(date);
  return Number.isNaN(parsed.getTime()) ? date : formatDate(parsed);
}

function resourcePrice(cents: number): string {
  return cents === 0 ? "no charge" : formatCents(cents);
}

/** What a request with default values creates, each resource with its monthly cost, and the total. */
export function ResourcesTable({ plan }: { plan: LatestVersion["plan"] }) {
  return (
    <div className="space-y-4">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Resources at default values</caption>
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <th scope="col" className="pb-2 pr-4 font-medium">
              Resource
            </th>
            <th scope="col" className="hidden pb-2 pr-4 font-medium md:table-cell">
              Type
            </th>
            <th scope="col" className="hidden pb-2 pr-4 font-medium sm:table-cell">
              Region
            </th>
            <th scope="col" className="hidden pb-2 pr-4 font-medium sm:table-cell">
              Size
            </th>
            <th scope="col" className="pb-2 text-right font-medium">
              Monthly
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 align-top">
          {plan.resources.map((r) => (
            <tr key={r.address}>
              <th scope="row" className="py-2.5 pr-4 font-normal">
                <span className="block font-medium text-slate-900">{r.title}</span>
                <code className="block break-all font-mono text-xs text-slate-500">{r.address}</code>
                <span className="mt-0.5 block text-xs text-slate-600 md:hidden">
                  {[r.typeTitle === r.title ? null : r.typeTitle, r.region, r.size].filter(Boolean).join(" · ")}
                </span>
              </th>
              <td className="hidden py-2.5 pr-4 text-slate-700 md:table-cell">{r.typeTitle}</td>
              <td className="hidden py-2.5 pr-4 font-mono text-xs text-slate-700 sm:table-cell">
                {r.region ?? <span className="font-sans text-slate-400">–</span>}
              </td>
              <td className="hidden py-2.5 pr-4 text-slate-700 sm:table-cell">{r.size ?? <span className="text-slate-400">–</span>}</td>
              <td className="whitespace-nowrap py-2.5 text-right tabular-nums text-slate-900">{resourcePrice(r.monthlyCents)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr className="border-t-2 border-slate-200">
            <th scope="row" colSpan={4} className="hidden pt-3 text-right font-semibold md:table-cell">
              Total at default values
            </th>
            <th scope="row" colSpan={3} className="hidden pt-3 text-right font-semibold sm:table-cell md:hidden">
              Total at default values
            </th>
            <th scope="row" className="pt-3 text-left font-semibold sm:hidden">
              Total at default values
            </th>
            <td className="whitespace-nowrap pt-3 text-right font-semibold tabular-nums">{formatCents(plan.monthlyCents)} / month</td>
          </tr>
        </tfoot>
      </table>
      <p className="text-xs text-slate-500">
        Estimated for the {plan.tier} tier from public list prices:{" "}
        <a href={plan.priceSource.url} className="text-brand-700 underline hover:text-brand-900" rel="noreferrer" target="_blank">
          {plan.priceSource.name}
        </a>
        , retrieved {retrieved(plan.priceSource.retrieved)}. Your bill depends on the values you choose and how long the environment lives.
      </p>
    </div>
  );
}

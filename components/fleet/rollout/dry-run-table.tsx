import { formatCents } from "~/components/format/money";
import { Badge } from "~/components/ui/page";
import type { DryRun } from "./types";

/** The dry run: totals, then every environment with its changes, then the ones the rollout cannot move and why. */
export function DryRunTable({ plan }: { plan: DryRun }) {
  const t = plan.totals;
  const totals: [string, string][] = [
    ["Environments", String(t.environments)],
    ["Updates in place", String(t.inPlace)],
    ["Replacements", String(t.replacements)],
    ["Stateful replacements", String(t.statefulReplacements)],
    ["Cost change per month", `${t.monthlyDeltaCents > 0 ? "+" : ""}${formatCents(t.monthlyDeltaCents)}`],
    ["Need approval", String(t.needApproval)],
    ["Refused", String(t.refused)],
  ];
  return (
    <div className="space-y-4">
      <div role="group" aria-label="Dry run totals">
        <dl className="grid grid-cols-2 gap-3 text-sm sm:grid-cols-4">
          {totals.map(([label, value]) => (
            <div key={label} className="rounded-md border border-slate-200 px-3 py-2">
              <dt className="text-xs text-slate-500">{label}</dt>
              <dd className={`font-semibold ${label === "Stateful replacements" && t.statefulReplacements > 0 ? "text-red-700" : ""}`}>{value}</dd>
            </div>
          ))}
        </dl>
      </div>
      {plan.planned.length === 0 ? (
        <p className="text-sm text-slate-600">No environment can be moved to {plan.target.version} now.</p>
      ) : (
        <div className="relative overflow-x-auto" tabIndex={0} role="region" aria-label="Environments the rollout moves">
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Environments the rollout moves to {plan.target.version}</caption>
            <thead className="text-xs text-slate-500 uppercase">
              <tr>
                {["Environment", "From", "Tier", "Team", "In place", "Replace", "Cost / month", "Approval"].map((h) => (
                  <th key={h} scope="col" className="py-1 pr-3 font-medium">
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {plan.planned.map((p) => (
                <tr key={p.environmentId}>
                  <td className="py-2 pr-3">{p.name}</td>
                  <td className="py-2 pr-3 font-mono">{p.fromVersion}</td>
                  <td className="py-2 pr-3">{p.tier}</td>
                  <td className="py-2 pr-3">{p.teamName}</td>
                  <td className="py-2 pr-3">{p.changes.update}</td>
                  <td className={`py-2 pr-3 ${p.changes.statefulReplace ? "font-semibold text-red-700" : ""}`}>
                    {p.changes.replace}
                    {p.changes.statefulReplace > 0 && ` (${p.changes.statefulReplace} stateful)`}
                  </td>
                  <td className="py-2 pr-3">{formatCents(p.monthlyDeltaCents)}</td>
                  <td className="py-2 pr-3">{p.needsApproval ? <Badge tone="amber">needs approval</Badge> : "policy approves"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {plan.refused.length > 0 && (
        <div>
          <h3 className="text-sm font-semibold text-slate-800">Refused ({plan.refused.length})</h3>
          <ul aria-label="Environments the rollout cannot move" className="mt-1 list-disc pl-5 text-sm text-slate-700">
            {plan.refused.map((r) => (
              <li key={r.environmentId}>
                <span className="font-medium">{r.name}</span> ({r.tier}, {r.teamName}): {r.reason}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

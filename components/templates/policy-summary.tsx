import { formatCents } from "~/components/format/money";
import { plural, pluralNoun } from "~/components/format/plural";
import type { PolicySpec, Tier } from "~/server/templates/format";

const roleLabel = { team_approver: "team approver", admin: "admin" } as const;

function approvalText(stages: PolicySpec["approvals"][Tier]): string {
  if (!stages || stages.length === 0) return "Approved automatically";
  return stages.map((s) => plural(s.count, roleLabel[s.from])).join(", then ");
}

/** Per tier: how long environments live and who must approve; plus cost approval, tags and failure handling. */
export function PolicySummary({ policy, tiers }: { policy: PolicySpec; tiers: readonly Tier[] }) {
  const extraTags = Object.entries(policy.tags);
  return (
    <div className="space-y-4 text-sm">
      <table className="w-full text-left">
        <caption className="sr-only">Policy per tier</caption>
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <th scope="col" className="pb-2 pr-3 font-medium">Tier</th>
            <th scope="col" className="pb-2 pr-3 font-medium">Lifetime</th>
            <th scope="col" className="pb-2 font-medium">Approval</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {tiers.map((tier) => {
            const ttl = policy.ttl[tier];
            return (
              <tr key={tier}>
                <th scope="row" className="py-2 pr-3 font-medium capitalize text-slate-800">
                  {tier}
                </th>
                <td className="py-2 pr-3 text-slate-700">{ttl ? `${ttl.default} (at most ${ttl.max})` : "–"}</td>
                <td className="py-2 text-slate-700">{approvalText(policy.approvals[tier])}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <dl className="grid gap-x-4 gap-y-2 sm:grid-cols-[auto_1fr]">
        {policy.costApproval && (
          <>
            <dt className="font-medium text-slate-700">Cost approval</dt>
            <dd className="text-slate-600">
              Above {formatCents(policy.costApproval.aboveMonthlyUsd * 100)} a month, {policy.costApproval.count} more{" "}
              {pluralNoun(policy.costApproval.count, roleLabel[policy.costApproval.from])}
            </dd>
          </>
        )}
        <dt className="font-medium text-slate-700">Required tags</dt>
        <dd className="font-mono text-xs leading-5 text-slate-600">{policy.requiredTags.length ? policy.requiredTags.join(", ") : "none beyond the mandatory ones"}</dd>
        {extraTags.length > 0 && (
          <>
            <dt className="font-medium text-slate-700">Added tags</dt>
            <dd className="font-mono text-xs leading-5 text-slate-600">{extraTags.map(([k, v]) => `${k}=${v}`).join(", ")}</dd>
          </>
        )}
        <dt className="font-medium text-slate-700">If an apply fails</dt>
        <dd className="text-slate-600">{policy.onFailure === "cleanup" ? "What was created is destroyed" : "What was created is kept for inspection"}</dd>
      </dl>
    </div>
  );
}

import type { ReactNode } from "react";
import type { PolicySpec, Tier } from "~/server/templates/format";
import { describeApprovals, describeCostApproval, formatDuration } from "./format";

const failureText = {
  cleanup: "Clean up: whatever was created is destroyed, so nothing half-made keeps costing money.",
  keep: "Keep: what was created stays for inspection until the environment is destroyed.",
} as const;

function TagList({ keys, label }: { keys: readonly string[]; label: string }) {
  if (keys.length === 0) return <span className="text-slate-500">none</span>;
  return (
    <ul aria-label={label} className="flex flex-wrap gap-1">
      {keys.map((key) => (
        <li key={key}>
          <code className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-800">{key}</code>
        </li>
      ))}
    </ul>
  );
}

function PolicyRow({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="grid gap-1 py-3 sm:grid-cols-[12rem_minmax(0,1fr)] sm:gap-6">
      <dt className="font-medium text-slate-700">{term}</dt>
      <dd className="text-slate-900">{children}</dd>
    </div>
  );
}

/** The rules a request meets: lifetime and approvals per tier, cost approval, tags, failure handling. */
export function PolicyPanel({ policy, tiers, tagKeys }: { policy: PolicySpec; tiers: readonly Tier[]; tagKeys: readonly string[] }) {
  const costApproval = describeCostApproval(policy.costApproval);
  const extraTags = Object.entries(policy.tags);
  return (
    <div className="space-y-4">
      <table className="w-full table-fixed text-left text-sm">
        <caption className="sr-only">Policy per tier</caption>
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <td className="w-[30%] pb-2 sm:w-[13.5rem]" />
            {tiers.map((tier) => (
              <th key={tier} scope="col" className="pb-2 pr-3 font-medium">
                {tier}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 align-top">
          <tr>
            <th scope="row" className="py-2.5 pr-3 font-medium text-slate-700">
              Default lifetime
            </th>
            {tiers.map((tier) => (
              <td key={tier} className="py-2.5 pr-3">
                {policy.ttl[tier] ? formatDuration(policy.ttl[tier].default) : "–"}
              </td>
            ))}
          </tr>
          <tr>
            <th scope="row" className="py-2.5 pr-3 font-medium text-slate-700">
              Longest lifetime
            </th>
            {tiers.map((tier) => (
              <td key={tier} className="py-2.5 pr-3">
                {policy.ttl[tier] ? formatDuration(policy.ttl[tier].max) : "–"}
              </td>
            ))}
          </tr>
          <tr>
            <th scope="row" className="py-2.5 pr-3 font-medium text-slate-700">
              Approval
            </th>
            {tiers.map((tier) => {
              const stages = policy.approvals[tier];
              return (
                <td key={tier} className={`py-2.5 pr-3 ${stages?.length === 0 ? "text-emerald-700" : ""}`}>
                  {describeApprovals(stages)}
                </td>
              );
            })}
          </tr>
        </tbody>
      </table>

      <dl className="divide-y divide-slate-100 border-t border-slate-100 text-sm">
        <PolicyRow term="Cost approval">{costApproval ?? "None: the approvals above apply whatever the cost."}</PolicyRow>
        <PolicyRow term="Required tags">
          <TagList keys={policy.requiredTags} label="Required tags" />
        </PolicyRow>
        <PolicyRow term="Tags on every resource">
          <TagList keys={tagKeys} label="Tags on every resource" />
          {extraTags.length > 0 && (
            <p className="mt-2 text-xs text-slate-500">
              Set by this template:{" "}
              {extraTags.map(([key, value], i) => (
                <span key={key}>
                  {i > 0 && ", "}
                  <code className="font-mono">
                    {key} = {value}
                  </code>
                </span>
              ))}
            </p>
          )}
        </PolicyRow>
        <PolicyRow term="If provisioning fails">{failureText[policy.onFailure]}</PolicyRow>
      </dl>
    </div>
  );
}

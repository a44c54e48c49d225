import { formatCents } from "~/components/format/money";
import { Badge } from "~/components/ui/page";
import { stageWho } from "./format";
import type { BudgetFigures, PolicyDecision, PolicyReason, QuotaKind, QuotaUsage } from "./types";

const outcomeText = {
  auto_approved: { label: "Auto-approved", tone: "green" },
  needs_approval: { label: "Needs approval", tone: "amber" },
  denied: { label: "Denied", tone: "red" },
} as const;

export function OutcomeBadge({ outcome }: { outcome: PolicyDecision["outcome"] }) {
  const o = outcomeText[outcome];
  return <Badge tone={o.tone}>{o.label}</Badge>;
}

/** One sentence on what happens next under this decision. */
export function outcomeSentence(decision: Pick<PolicyDecision, "outcome" | "stages">, context: "form" | "request" = "form"): string {
  if (decision.outcome === "auto_approved")
    return context === "form" ? "Approved automatically: it is queued for provisioning as soon as you submit." : "Approved automatically by policy.";
  if (decision.outcome === "denied")
    return context === "form" ? "Policy denies this request; change what the reasons name to submit it." : "Denied by policy.";
  return `Needs approval from ${decision.stages.map(stageWho).join(", then ")}.`;
}

const effectStyle: Record<PolicyReason["effect"], { mark: string; className: string; label: string }> = {
  deny: { mark: "✕", className: "text-red-700", label: "Denies" },
  require_approval: { mark: "!", className: "text-amber-700", label: "Needs approval" },
  allow: { mark: "✓", className: "text-emerald-700", label: "Passes" },
};

/** The policy's reasons, denials first: each with a mark and a hidden word for screen readers. */
export function ReasonList({ reasons, label = "Policy reasons" }: { reasons: readonly PolicyReason[]; label?: string }) {
  if (reasons.length === 0) return <p className="text-sm text-slate-600">No rule had anything to say.</p>;
  return (
    <ul aria-label={label} className="space-y-1.5 text-sm">
      {reasons.map((r, i) => {
        const style = effectStyle[r.effect];
        return (
          <li key={`${r.rule}-${i}`} className="flex gap-2">
            <span aria-hidden className={`mt-px w-4 shrink-0 text-center font-bold ${style.className}`}>
              {style.mark}
            </span>
            <span className={r.effect === "deny" ? "font-medium text-red-800" : "text-slate-700"}>
              <span className="sr-only">{style.label}: </span>
              {r.message.charAt(0).toUpperCase() + r.message.slice(1)}
            </span>
          </li>
        );
      })}
    </ul>
  );
}

/** The decision: outcome, the approval stages in order, and every reason. */
export function DecisionPanel({
  decision,
  title = "Policy decision",
  context = "form",
}: {
  decision: PolicyDecision;
  title?: string;
  context?: "form" | "request";
}) {
  const denied = decision.outcome === "denied";
  return (
    <div className="space-y-3">
      <div
        className={`rounded-md px-3 py-2.5 ${denied ? "bg-red-50 ring-1 ring-inset ring-red-200" : decision.outcome === "auto_approved" ? "bg-emerald-50 ring-1 ring-inset ring-emerald-200" : "bg-amber-50 ring-1 ring-inset ring-amber-200"}`}
      >
        <p className="flex flex-wrap items-center gap-2 text-sm">
          <span className="sr-only">{title}:</span>
          <OutcomeBadge outcome={decision.outcome} />
          <span className={denied ? "text-red-900" : "text-slate-800"}>{outcomeSentence(decision, context)}</span>
        </p>
      </div>
      {decision.stages.length > 0 && (
        <ol aria-label="Approval stages" className="space-y-1 text-sm">
          {decision.stages.map((s, i) => (
            <li key={i} className="flex gap-2">
              <span className="flex size-5 shrink-0 items-center justify-center rounded-full bg-slate-100 text-xs font-semibold text-slate-700">
                {i + 1}
              </span>
              <span className="text-slate-800">
                {stageWho(s)} <span className="text-slate-500">— {s.reason}</span>
              </span>
            </li>
          ))}
        </ol>
      )}
      <ReasonList reasons={decision.reasons} />
    </div>
  );
}

/** The team's month: spent, committed by other live requests, this request, and what is left, as a stacked bar and figures. */
export function BudgetBar({ budget }: { budget: BudgetFigures }) {
  const { limitCents, spentCents, committedCents, thisRequestCents, remainingAfterCents } = budget;
  const over = remainingAfterCents < 0;
  const used = spentCents + committedCents + thisRequestCents;
  const scale = Math.max(limitCents, used, 1);
  const pct = (cents: number) => `${Math.max(0, (cents / scale) * 100)}%`;
  const left = Math.max(0, remainingAfterCents);
  const segments = [
    { key: "spent", cents: spentCents, className: "bg-slate-600", label: "Spent this month" },
    { key: "committed", cents: committedCents, className: "bg-slate-400", label: "Still to come this month" },
    { key: "this", cents: thisRequestCents, className: over ? "bg-red-500" : "bg-brand-500", label: "This request" },
    { key: "left", cents: left, className: "bg-emerald-100", label: "Left after this request" },
  ];
  const summary = `${formatCents(used)} of ${formatCents(limitCents)} used with this request; ${over ? `${formatCents(-remainingAfterCents)} over` : `${formatCents(left)} left`}`;
  return (
    <div className="space-y-3 text-sm">
      <div
        role="img"
        aria-label={`Budget: ${summary}`}
        className="relative flex h-3 w-full overflow-hidden rounded-full bg-slate-100 ring-1 ring-inset ring-slate-200"
      >
        {segments.map((s) =>
          s.cents > 0 ? (
            <span
              key={s.key}
              className={`h-full shrink-0 ${s.className}`}
              style={{ width: pct(s.cents), minWidth: s.key === "left" ? undefined : "3px" }}
            />
          ) : null,
        )}
        {used > limitCents && limitCents > 0 && (
          <span aria-hidden className="absolute inset-y-0 w-0.5 bg-slate-900" style={{ left: pct(limitCents) }} />
        )}
      </div>
      <dl className="space-y-1">
        {segments.slice(0, 3).map((s) => (
          <div key={s.key} className="flex items-center justify-between gap-2">
            <dt className="flex items-center gap-1.5 text-slate-600">
              <span aria-hidden className={`size-2.5 rounded-sm ${s.className}`} />
              {s.label}
            </dt>
            <dd className="tabular-nums text-slate-900">{formatCents(s.cents)}</dd>
          </div>
        ))}
        <div className="flex items-center justify-between gap-2">
          <dt className="flex items-center gap-1.5 text-slate-600">
            <span aria-hidden className={`size-2.5 rounded-sm ${over ? "bg-red-200" : "bg-emerald-100 ring-1 ring-inset ring-emerald-300"}`} />
            {over ? "Over budget by" : "Left after this"}
          </dt>
          <dd className={`tabular-nums font-medium ${over ? "text-red-700" : "text-emerald-700"}`}>
            {formatCents(over ? -remainingAfterCents : left)}
          </dd>
        </div>
      </dl>
      <p className="text-xs text-slate-500">
        Monthly budget {formatCents(limitCents)} (
        {budget.mode === "hard" ? "hard limit: what does not fit is denied" : "soft limit: over it, an admin must approve"}). Spent is what the
        team&apos;s resources cost since the 1st; still to come is its running environments until they expire and its other requests. This request
        counts what it costs until its expiry or the end of the month.
      </p>
    </div>
  );
}

const quotaNames: Record<QuotaKind, string> = { vcpus: "vCPUs", instances: "Instances", gpus: "GPUs" };

/** vCPUs, instances and GPUs: in use, this request, limit and what is left. */
export function QuotaTable({ quotas, caption = "Team quotas" }: { quotas: Record<QuotaKind, QuotaUsage>; caption?: string }) {
  return (
    <table className="w-full text-left text-sm">
      <caption className="sr-only">{caption}</caption>
      <thead className="text-xs uppercase text-slate-500">
        <tr>
          <th scope="col" className="pb-1.5 pr-2 font-medium">
            Quota
          </th>
          <th scope="col" className="pb-1.5 pr-2 text-right font-medium">
            In use
          </th>
          <th scope="col" className="pb-1.5 pr-2 text-right font-medium">
            This
          </th>
          <th scope="col" className="pb-1.5 text-right font-medium">
            Left
          </th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {(Object.keys(quotaNames) as QuotaKind[]).map((kind) => {
          const q = quotas[kind];
          const over = q.remainingAfter !== null && q.remainingAfter < 0 && q.requested > 0;
          return (
            <tr key={kind}>
              <th scope="row" className="py-1.5 pr-2 font-medium text-slate-800">
                {quotaNames[kind]}
                {q.limit !== null && <span className="font-normal text-slate-500"> / {q.limit}</span>}
              </th>
              <td className="py-1.5 pr-2 text-right tabular-nums text-slate-700">{q.used}</td>
              <td className="py-1.5 pr-2 text-right tabular-nums text-slate-900">{q.requested}</td>
              <td className={`py-1.5 text-right tabular-nums ${over ? "font-semibold text-red-700" : "text-slate-700"}`}>
                {q.remainingAfter === null ? <span className="text-slate-500">unlimited</span> : q.remainingAfter}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

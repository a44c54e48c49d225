import Link from "next/link";
import { formatCents } from "~/components/format/money";
import { Card } from "~/components/ui/page";
import type { PlanDiff } from "~/server/templates/plan-diff";
import { PlanDiffTable, signedCents } from "./plan-diff";

type UpdatePlanView = {
  diff?: PlanDiff;
  monthlyCents?: number;
  from?: { version: string; monthlyCents: number };
  to?: { version: string };
  rollback?: boolean;
  confirmDestructive?: boolean;
};

/** On an update request's page: what it changes (version, plan diff, cost delta), as the approver decides on it. */
export function UpdateChangeCard({ plan, environment }: { plan: unknown; environment?: { environmentId: string; name: string } | null }) {
  const p = plan as UpdatePlanView;
  if (!p.diff || !p.from || !p.to) return null;
  const delta = (p.monthlyCents ?? 0) - p.from.monthlyCents;
  return (
    <Card title="The change">
      {environment && (
        <p className="mb-1 text-sm text-slate-700">
          Of{" "}
          <Link href={`/environments/${environment.environmentId}`} className="font-medium text-brand-700 underline">
            {environment.name}
          </Link>
        </p>
      )}
      <p className="text-sm text-slate-700">
        Version {p.from.version} → {p.to.version}
        {p.rollback ? " (an explicit rollback)" : ""}; {formatCents(p.from.monthlyCents)} → {formatCents(p.monthlyCents ?? 0)} per month (
        {signedCents(delta)})
      </p>
      {p.diff.destructive.length > 0 && (
        <p role="alert" className="mt-2 text-sm font-medium text-red-700">
          Replaces or deletes {p.diff.destructive.join(", ")}: their data is lost
          {p.confirmDestructive ? " (confirmed by the requester)" : ""}.
        </p>
      )}
      <div className="mt-3">
        <PlanDiffTable diff={p.diff} />
      </div>
    </Card>
  );
}

"use client";

import { skipToken, useQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useId, useState } from "react";
import { formatCents, formatMicrosPerHour } from "~/components/format/money";
import { plural } from "~/components/format/plural";
import { formatSeconds, formatTime } from "~/components/format/time";
import { useTRPC } from "~/components/trpc/client";
import { Button, Spinner } from "~/components/ui/button";
import { Badge, Card, ErrorNotice } from "~/components/ui/page";
import type { AppRouter } from "~/server/api/root";
import type { PreviewInput } from "./types";

export type TerraformPlan = inferRouterOutputs<AppRouter>["requests"]["terraformPlan"];

const actionTones = { create: "green", update: "amber", replace: "amber", delete: "red", read: "slate", noop: "slate" } as const;
const actionWords = { create: "create", update: "update in place", replace: "replace", delete: "delete", read: "read", noop: "no change" } as const;

/** The resource changes of a terraform plan and the cost priced from it, unpriced types named. */
export function TerraformPlanView({ plan }: { plan: TerraformPlan }) {
  const { summary, cost } = plan;
  const parts = [`${summary.create} to create`, `${summary.update} to update`, `${summary.replace} to replace`, `${summary.delete} to delete`];
  return (
    <div className="space-y-3 text-sm">
      <p className="font-medium text-slate-800">{parts.join(", ")}</p>
      {plan.changes.length === 0 ? (
        <p className="text-slate-600">Terraform plans no changes.</p>
      ) : (
        <table aria-label="Terraform resource changes" className="w-full table-fixed text-left text-xs">
          <thead className="text-slate-500">
            <tr>
              <th scope="col" className="w-24 py-1 font-medium">
                Action
              </th>
              <th scope="col" className="py-1 font-medium">
                Resource
              </th>
              <th scope="col" className="w-20 py-1 text-right font-medium">
                Per month
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {plan.changes.map((c) => (
              <tr key={c.address}>
                <td className="py-1.5 align-top">
                  <Badge tone={actionTones[c.action]}>{actionWords[c.action]}</Badge>
                </td>
                <td className="break-all py-1.5 align-top">
                  <code className="font-mono text-slate-900">{c.address}</code>
                  <span className="block text-slate-500">{c.type}</span>
                </td>
                <td className="py-1.5 text-right align-top tabular-nums">
                  {c.hourlyMicros === null ? (
                    <span className="font-medium text-amber-800">unpriced</span>
                  ) : c.hourlyMicros === 0 ? (
                    "no charge"
                  ) : (
                    formatCents(Math.round((c.hourlyMicros * 730) / 10_000))
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div>
        <p className="text-slate-700">
          Estimated from the plan: <span className="font-semibold tabular-nums text-slate-900">{formatCents(cost.monthlyCents)}/month</span>{" "}
          <span className="text-slate-500">({formatMicrosPerHour(cost.hourlyMicros)})</span>
        </p>
        {cost.lines.length > 0 && (
          <ul aria-label="Plan cost lines" className="mt-1 space-y-0.5 text-xs text-slate-600">
            {cost.lines.map((l) => (
              <li key={`${l.address}-${l.label}`} className="flex justify-between gap-3">
                <span className="min-w-0 break-words">{l.label}</span>
                <span className="shrink-0 tabular-nums">{formatCents(l.monthlyCents)}/mo</span>
              </li>
            ))}
          </ul>
        )}
      </div>
      {cost.unpriced.length > 0 && (
        <div role="note" aria-label="Unpriced resources" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-xs text-amber-900">
          <p className="font-semibold">
            {plural(cost.unpriced.length, "resource")} not priced: their type is not in the terraform price list, so the estimate leaves them out.
          </p>
          <ul className="mt-1 list-disc pl-4">
            {cost.unpriced.map((u) => (
              <li key={u.address}>
                <code className="font-mono">{u.address}</code> ({u.type})
              </li>
            ))}
          </ul>
        </div>
      )}
      {plan.outputs.length > 0 && (
        <p className="text-xs text-slate-600">Outputs: {plan.outputs.map((o) => (o.sensitive ? `${o.name} (sensitive)` : o.name)).join(", ")}</p>
      )}
      {plan.warnings.length > 0 && (
        <ul aria-label="Terraform warnings" className="list-disc pl-4 text-xs text-amber-800">
          {plan.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      <p className="text-xs text-slate-500">
        {plan.terraform} · template v{plan.templateVersion} · planned {formatTime(plan.plannedAt)} in {formatSeconds(plan.durationMs)}
      </p>
    </div>
  );
}

function PlanShell({ title, action, children }: { title: string; action: React.ReactNode; children: React.ReactNode }) {
  const headingId = useId();
  return (
    <section aria-labelledby={headingId} className="border-t border-slate-100 px-5 py-4">
      <div className="mb-3 flex items-center justify-between gap-3">
        <h3 id={headingId} className="text-xs font-semibold uppercase tracking-wide text-slate-500">
          {title}
        </h3>
        {action}
      </div>
      {children}
    </section>
  );
}

function PlanState({ query, idle }: { query: { data?: TerraformPlan; isFetching: boolean; error: { message: string } | null }; idle: string }) {
  if (query.isFetching && !query.data) {
    return (
      <p role="status" className="text-sm text-slate-600">
        <Spinner label="Running terraform plan… this takes a few seconds." />
      </p>
    );
  }
  if (query.error) return <ErrorNotice title="Plan failed" message={query.error.message} />;
  if (query.data) return <TerraformPlanView plan={query.data} />;
  return <p className="text-sm text-slate-600">{idle}</p>;
}

/** In the request form: a real `terraform plan` of the values, on demand (a plan takes seconds). */
export function DraftTerraformPlan({ input }: { input: PreviewInput | null }) {
  const trpc = useTRPC();
  const [asked, setAsked] = useState<PreviewInput | null>(null);
  const query = useQuery({ ...trpc.requests.terraformPlan.queryOptions(asked ?? skipToken), retry: false, staleTime: Infinity });
  const stale = asked !== null && input !== null && JSON.stringify(asked) !== JSON.stringify(input);
  return (
    <PlanShell
      title="Terraform plan"
      action={
        <Button
          type="button"
          variant="secondary"
          className="px-2.5 py-1 text-xs"
          disabled={!input}
          busy={query.isFetching}
          onClick={() => setAsked(input)}
        >
          {asked ? "Plan again" : "Run terraform plan"}
        </Button>
      }
    >
      {stale && (
        <p role="status" className="mb-2 text-xs font-medium text-amber-800">
          The values changed since this plan: run it again to see their changes.
        </p>
      )}
      <PlanState
        query={query}
        idle={
          input
            ? "Runs terraform plan with these values: the resources it would create and the cost priced from the plan."
            : "Fill in the form to plan it."
        }
      />
    </PlanShell>
  );
}

/** On a submitted request's page and in the approvals inbox: the plan of exactly what was requested. */
export function RequestTerraformPlan({
  requestId,
  inline = false,
  label = "Terraform plan",
}: {
  requestId: string;
  inline?: boolean;
  label?: string;
}) {
  const trpc = useTRPC();
  const [asked, setAsked] = useState(false);
  const query = useQuery({
    ...trpc.requests.terraformPlanForRequest.queryOptions(asked ? { requestId } : skipToken),
    retry: false,
    staleTime: Infinity,
  });
  const action = (
    <Button
      type="button"
      variant="secondary"
      className="px-2.5 py-1 text-xs"
      busy={query.isFetching}
      onClick={() => (asked ? void query.refetch() : setAsked(true))}
    >
      {asked ? "Plan again" : "Run terraform plan"}
    </Button>
  );
  const body = (
    <PlanState
      query={query}
      idle="Runs terraform plan of this request: the resource changes (create, update, replace, delete) and the cost priced from the plan."
    />
  );
  if (inline) {
    return (
      <section aria-label={label} className="mt-3 rounded-md border border-slate-200 p-3">
        <div className="mb-2 flex items-center justify-between gap-3">
          <h4 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Terraform plan</h4>
          {action}
        </div>
        {body}
      </section>
    );
  }
  return (
    <Card title={label} actions={action}>
      {body}
    </Card>
  );
}

"use client";

import type { ReactNode } from "react";
import { formatDateTime } from "~/components/format/time";
import { Spinner } from "~/components/ui/button";
import { ErrorNotice, Skeleton } from "~/components/ui/page";
import { BudgetBar, DecisionPanel, QuotaTable } from "./decision";
import { CostFigures, PlanResources } from "./plan-view";
import type { Plan, RequestPreview } from "./types";

function Section({ title, children, aside }: { title: string; children: ReactNode; aside?: ReactNode }) {
  return (
    <section aria-label={title} className="border-t border-slate-100 px-5 py-4 first:border-t-0">
      <div className="mb-3 flex items-baseline justify-between gap-3">
        <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">{title}</h3>
        {aside}
      </div>
      {children}
    </section>
  );
}

type Props = {
  preview: RequestPreview | null;
  /** A newer preview is on its way: the figures shown are the previous ones. */
  loading: boolean;
  error: string | null;
  /** Why no preview is asked for right now (e.g. no team chosen). */
  pauseReason: string | null;
  /** More sections at the end (the terraform plan of terraform templates). */
  extra?: ReactNode;
};

/** The live side panel of the request form: the policy decision, cost, budget, quotas and plan, as the server evaluates them. */
export function PreviewPanel({ preview, loading, error, pauseReason, extra }: Props) {
  return (
    <aside aria-label="Live preview" className="min-w-0 rounded-lg border border-slate-200 bg-white shadow-sm lg:sticky lg:top-6">
      <div className="flex items-center justify-between gap-3 border-b border-slate-100 px-5 py-3">
        <h2 className="text-sm font-semibold text-slate-800">Preview</h2>
        <span className="text-xs text-slate-500" aria-live="polite">
          {loading && !pauseReason ? <Spinner label="Updating…" /> : preview ? "Up to date" : ""}
        </span>
      </div>
      {pauseReason && (
        <p role="status" className="border-b border-slate-100 bg-slate-50 px-5 py-2.5 text-sm text-slate-600">
          {pauseReason}
        </p>
      )}
      {error && (
        <div className="px-5 pt-4">
          <ErrorNotice title="No preview" message={error} />
        </div>
      )}
      {!preview && !error && (
        <div className="space-y-3 px-5 py-4" aria-hidden>
          <Skeleton className="h-10 w-full" />
          <Skeleton className="h-4 w-3/4" />
          <Skeleton className="h-4 w-2/3" />
          <Skeleton className="h-16 w-full" />
        </div>
      )}
      {preview && (
        <div className={`transition-opacity ${loading ? "opacity-60" : ""}`}>
          <Section title="Policy decision">
            <DecisionPanel decision={preview.decision} />
          </Section>
          <Section title="Estimated cost">
            <CostFigures cost={preview.cost} />
            <p className="mt-1 text-xs text-slate-500">Expires {formatDateTime(preview.expiresAt)} if not extended.</p>
          </Section>
          <Section title={`Budget of ${preview.team.name}`} aside={<span className="text-xs text-slate-500">this month</span>}>
            <BudgetBar budget={preview.decision.budget} />
          </Section>
          <Section title="Quotas">
            <QuotaTable quotas={preview.decision.quotas} />
          </Section>
          <Section title="Plan" aside={<span className="text-xs text-slate-500">{preview.plan.resources.length} resources</span>}>
            <PlanResources plan={preview.plan as Plan} />
          </Section>
        </div>
      )}
      {extra}
    </aside>
  );
}

"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { PlanResources } from "~/components/requests/plan-view";
import { RequestTerraformPlan } from "~/components/requests/terraform-plan";
import type { InboxItem } from "~/components/requests/types";
import { useTRPC } from "~/components/trpc/client";
import { ErrorNotice, Skeleton } from "~/components/ui/page";

/** The full plan of one request, fetched when its inbox card's plan is first opened (the inbox itself carries only a summary). */
function LoadedPlan({ requestId, label }: { requestId: string; label: string }) {
  const trpc = useTRPC();
  const plan = useQuery({ ...trpc.requests.plan.queryOptions({ requestId }), staleTime: Infinity });
  if (plan.error) return <ErrorNotice title="The plan could not be loaded" message={plan.error.message} />;
  if (!plan.data)
    return (
      <div role="status" aria-label={`Loading the plan of ${label}`} className="py-2">
        <Skeleton className="h-16 w-full" />
      </div>
    );
  return <PlanResources plan={plan.data} label={`Plan of ${label}`} />;
}

/** "Plan: N resources", opening to every resource (and, where the engine plans, a terraform plan on demand). */
export function InboxPlan({ item }: { item: InboxItem }) {
  const [opened, setOpened] = useState(false);
  return (
    <details className="border-t border-slate-100 px-5 py-3" onToggle={(e) => e.currentTarget.open && setOpened(true)}>
      <summary className="cursor-pointer select-none text-sm font-medium text-brand-700">Plan: {item.planSummary.resources} resources</summary>
      {opened && <LoadedPlan requestId={item.id} label={item.label} />}
      {item.engineCapabilities.planPreview && <RequestTerraformPlan requestId={item.id} inline label={`Terraform plan of ${item.label}`} />}
    </details>
  );
}

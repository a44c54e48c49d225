import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "~/server/api/root";
import type { ParameterSpec } from "~/server/schemas/template-parameters";
import type { Tier } from "~/server/templates/format";

type Outputs = inferRouterOutputs<AppRouter>;
type Inputs = inferRouterInputs<AppRouter>;

export type RequestPreview = Outputs["requests"]["preview"];
export type PreviewInput = Inputs["requests"]["preview"];
export type RequestDetail = Outputs["requests"]["get"];
export type RequestListInput = Inputs["requests"]["list"];
export type RequestListItem = Outputs["requests"]["list"]["requests"][number];
export type InboxItem = Outputs["approvals"]["inbox"][number];

export type { ApprovalStage, BudgetFigures, PolicyDecision, PolicyReason, QuotaKind, QuotaUsage } from "~/server/policy/types";
export type { Plan, PlannedResource } from "~/server/templates/plan";
export type { ApprovalState } from "~/server/policy/approvals";

export type TtlBounds = { defaultHours: number; maxHours: number };

/** What the request form needs of a template version: its parameters, tiers and lifetimes per tier. */
export type FormTemplate = {
  name: string;
  version: string;
  title: string;
  /** Its engine can plan a request before it runs (server/engines capability `planPreview`). */
  planPreview: boolean;
  parameters: ParameterSpec[];
  tiers: Tier[];
  ttl: Partial<Record<Tier, TtlBounds>>;
};

export type TeamOption = { id: string; name: string };

import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "~/server/api/root";

export type CostSummary = inferRouterOutputs<AppRouter>["costs"]["summary"];
export type CostDay = CostSummary["daily"][number];
export type CostGroupRow = CostSummary["byTemplate"][number];
export type CostTeamOption = { id: string; name: string };

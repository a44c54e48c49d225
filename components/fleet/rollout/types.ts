import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "~/server/api/root";

type Out = inferRouterOutputs<AppRouter>["fleetRollouts"];
export type DryRun = Out["dryRun"];
export type Rollout = Out["get"];
export type RolloutSummary = Out["list"]["rollouts"][number];

export const openStatuses = ["running", "paused", "halted"] as const;
export const isOpen = (status: string) => (openStatuses as readonly string[]).includes(status);
export const batchName = (batch: number | null) => (batch === null ? "not scheduled" : batch === 0 ? "Canary" : `Batch ${batch}`);

import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "~/server/api/root";

type Out = inferRouterOutputs<AppRouter>["slo"];
export type Executive = Out["executive"];
export type Oncall = Out["oncall"];
export type Debug = Out["debug"];
export type RunRow = Out["runs"][number];
export type SloTeamOption = { id: string; name: string };

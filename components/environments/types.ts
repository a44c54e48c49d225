import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "~/server/api/root";

type Outputs = inferRouterOutputs<AppRouter>;
type Inputs = inferRouterInputs<AppRouter>;

export type EnvironmentDetail = Outputs["environments"]["get"];
export type EnvironmentResource = EnvironmentDetail["resources"][number];
export type EnvironmentOutput = EnvironmentDetail["outputs"][number];
export type EnvironmentRun = EnvironmentDetail["runs"][number];
export type EnvironmentListInput = Inputs["environments"]["list"];
export type EnvironmentListItem = Outputs["environments"]["list"]["environments"][number];

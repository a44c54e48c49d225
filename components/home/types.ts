import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "~/server/api/root";

type Outputs = inferRouterOutputs<AppRouter>;

export type HomeEnvironment = Outputs["environments"]["list"]["environments"][number];
export type HomeRequest = Outputs["requests"]["list"]["requests"][number];
export type HomeApproval = Outputs["approvals"]["inbox"][number];
export type HomePlatform = Outputs["home"]["platform"];

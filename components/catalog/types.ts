import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "~/server/api/root";

export type TemplateDetail = inferRouterOutputs<AppRouter>["catalog"]["get"];
export type LatestVersion = NonNullable<TemplateDetail["latest"]>;
export type PublishedVersion = TemplateDetail["versions"][number];

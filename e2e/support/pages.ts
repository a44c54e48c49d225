/**
 * Every page of the app, per persona, in one place: the standing checks (e2e/every-page.spec.ts)
 * visit each. A new page gets one line here. `:request`, `:environment` and `:team` are filled
 * with a request and environment made for the checks and the persona's first team.
 */
import type { Persona } from "./session";

export type PageRoute = { path: string; personas: readonly Persona[] };

const everyone = ["developer", "approver", "admin", "auditor"] as const;

export const pageRoutes: PageRoute[] = [
  { path: "/", personas: everyone },
  { path: "/catalog", personas: everyone },
  { path: "/catalog/web-service", personas: everyone },
  { path: "/requests", personas: everyone },
  { path: "/requests/:request", personas: everyone },
  { path: "/requests/new?template=web-service", personas: ["developer", "approver"] },
  { path: "/environments", personas: everyone },
  { path: "/environments/:environment", personas: everyone },
  { path: "/costs", personas: everyone },
  { path: "/notifications", personas: everyone },
  { path: "/account", personas: everyone },
  { path: "/approvals", personas: ["approver", "admin"] },
  { path: "/teams/:team/webhooks", personas: ["approver"] },
  { path: "/audit", personas: ["admin", "auditor"] },
  { path: "/admin/teams", personas: ["admin"] },
  { path: "/admin/teams/:team", personas: ["admin"] },
  { path: "/admin/users", personas: ["admin"] },
  { path: "/admin/templates", personas: ["admin"] },
  { path: "/admin/templates/web-service", personas: ["admin"] },
  { path: "/admin/templates/new", personas: ["admin"] },
  { path: "/catalog/web-service/fleet", personas: ["approver", "admin", "auditor"] },
  { path: "/account/tokens", personas: everyone },
  { path: "/teams/:team/tokens", personas: ["approver"] },
  { path: "/api-docs", personas: ["developer"] },
  { path: "/slo", personas: ["approver", "admin", "auditor"] },
  { path: "/slo/oncall", personas: ["admin"] },
  { path: "/slo/debug", personas: ["admin"] },
];

export function routesFor(persona: Persona): string[] {
  return pageRoutes.filter((r) => r.personas.includes(persona)).map((r) => r.path);
}

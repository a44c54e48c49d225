/**
 * Every page of the app, per persona, in one place: the standing checks (e2e/every-page.spec.ts)
 * visit each. A new page gets one line here. `:request`, `:environment` and `:team` are filled
 * with a request and environment made for the checks and the persona's first team.
 *
 * axe scans each page once, as the persona that sees the most on it (the first of `axeOrder` that
 * may visit), plus `alsoAxeAs` where another persona sees a different page (not a subset).
 */
import type { Persona } from "./session";

export type PageRoute = { path: string; personas: readonly Persona[]; alsoAxeAs?: readonly Persona[] };

const everyone = ["developer", "approver", "admin", "auditor"] as const;

/** Who sees the most controls, first: admins see every team's data and every action. */
const axeOrder: readonly Persona[] = ["admin", "approver", "developer", "auditor"];

export const pageRoutes: PageRoute[] = [
  // Home is per role: an approver's inbox and own team's cards; the platform cards of admins.
  { path: "/", personas: everyone, alsoAxeAs: ["approver"] },
  { path: "/catalog", personas: everyone },
  { path: "/catalog/web-service", personas: everyone },
  { path: "/requests", personas: everyone },
  // The requester's own view of a request (their actions) differs from an overseer's.
  { path: "/requests/:request", personas: everyone, alsoAxeAs: ["developer"] },
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

export type Visit = { path: string; axe: boolean };

/** The pages a persona visits, each marked whether this persona's visit is the one that runs axe. */
export function visitsFor(persona: Persona): Visit[] {
  return pageRoutes
    .filter((r) => r.personas.includes(persona))
    .map((r) => ({
      path: r.path,
      axe: axeOrder.find((p) => r.personas.includes(p)) === persona || (r.alsoAxeAs ?? []).includes(persona),
    }));
}

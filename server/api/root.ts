import { apiTokensRouter } from "./routers/api-tokens";
import { approvalsRouter } from "./routers/approvals";
import { auditRouter } from "./routers/audit";
import { catalogRouter } from "./routers/catalog";
import { costsRouter } from "./routers/costs";
import { driftRouter } from "./routers/drift";
import { environmentsRouter } from "./routers/environments";
import { extensionsRouter } from "./routers/extensions";
import { fleetRouter } from "./routers/fleet";
import { fleetRolloutsRouter } from "./routers/fleet-rollouts";
import { homeRouter } from "./routers/home";
import { meRouter } from "./routers/me";
import { notificationsRouter } from "./routers/notifications";
import { prEnvironmentsRouter } from "./routers/pr-environments";
import { requestsRouter } from "./routers/requests";
import { runsRouter } from "./routers/runs";
import { sloRouter } from "./routers/slo";
import { teamsRouter } from "./routers/teams";
import { templateAdminRouter } from "./routers/template-admin";
import { updatesRouter } from "./routers/updates";
import { usersRouter } from "./routers/users";
import { webhooksRouter } from "./routers/webhooks";
import { createCallerFactory, router } from "./trpc";

export const appRouter = router({
  apiTokens: apiTokensRouter,
  approvals: approvalsRouter,
  audit: auditRouter,
  catalog: catalogRouter,
  costs: costsRouter,
  drift: driftRouter,
  environments: environmentsRouter,
  extensions: extensionsRouter,
  fleet: fleetRouter,
  fleetRollouts: fleetRolloutsRouter,
  home: homeRouter,
  me: meRouter,
  notifications: notificationsRouter,
  prEnvironments: prEnvironmentsRouter,
  requests: requestsRouter,
  runs: runsRouter,
  slo: sloRouter,
  teams: teamsRouter,
  templateAdmin: templateAdminRouter,
  updates: updatesRouter,
  users: usersRouter,
  webhooks: webhooksRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);

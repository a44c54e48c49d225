import { approvalsRouter } from "./routers/approvals";
import { auditRouter } from "./routers/audit";
import { catalogRouter } from "./routers/catalog";
import { costsRouter } from "./routers/costs";
import { environmentsRouter } from "./routers/environments";
import { extensionsRouter } from "./routers/extensions";
import { homeRouter } from "./routers/home";
import { meRouter } from "./routers/me";
import { notificationsRouter } from "./routers/notifications";
import { requestsRouter } from "./routers/requests";
import { runsRouter } from "./routers/runs";
import { teamsRouter } from "./routers/teams";
import { templateAdminRouter } from "./routers/template-admin";
import { usersRouter } from "./routers/users";
import { webhooksRouter } from "./routers/webhooks";
import { createCallerFactory, router } from "./trpc";

export const appRouter = router({
  approvals: approvalsRouter,
  audit: auditRouter,
  catalog: catalogRouter,
  costs: costsRouter,
  environments: environmentsRouter,
  extensions: extensionsRouter,
  home: homeRouter,
  me: meRouter,
  notifications: notificationsRouter,
  requests: requestsRouter,
  runs: runsRouter,
  teams: teamsRouter,
  templateAdmin: templateAdminRouter,
  users: usersRouter,
  webhooks: webhooksRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);

import { auditRouter } from "./routers/audit";
import { catalogRouter } from "./routers/catalog";
import { meRouter } from "./routers/me";
import { teamsRouter } from "./routers/teams";
import { templateAdminRouter } from "./routers/template-admin";
import { usersRouter } from "./routers/users";
import { createCallerFactory, router } from "./trpc";

export const appRouter = router({
  audit: auditRouter,
  catalog: catalogRouter,
  me: meRouter,
  teams: teamsRouter,
  templateAdmin: templateAdminRouter,
  users: usersRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);

/**
 * The tRPC API, as a tour:
 * 1. Context: who is calling (the viewer, with memberships) and the database.
 * 2. Initialisation: superjson, and errors shaped so forms can show them next to the field.
 * 3. Procedures: the reusable access rules every router builds on. A handler never checks
 *    a role itself; it picks the procedure that states who may call it.
 */
import { TRPCError, initTRPC } from "@trpc/server";
import { randomUUID } from "node:crypto";
import superjson from "superjson";
import { z, ZodError } from "zod";
import type { Database } from "~/db/client";
import { eq } from "drizzle-orm";
import { teams } from "~/db/schema";
import { ServiceError, type ServiceErrorKind } from "~/server/services/errors";
import { actorOf, type Viewer } from "~/server/services/users";

// 1. Context ---------------------------------------------------------------------------------

export type Context = {
  db: Database;
  viewer: Viewer | null;
  /** Correlates this call's log lines and audit events. */
  requestId: string;
};

export function createContext(db: Database, viewer: Viewer | null, requestId: string = randomUUID()): Context {
  return { db, viewer, requestId };
}

// 2. Initialisation --------------------------------------------------------------------------

function describeZodError(error: ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
}

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const fieldErrors =
      cause instanceof ZodError ? z.flattenError(cause).fieldErrors : cause instanceof ServiceError ? (cause.fieldErrors ?? null) : null;
    return {
      ...shape,
      message: cause instanceof ZodError ? `Invalid input: ${describeZodError(cause)}` : shape.message,
      data: {
        ...shape.data,
        fieldErrors,
        field: cause instanceof ServiceError ? (cause.field ?? null) : null,
      },
    };
  },
});

export const createCallerFactory = t.createCallerFactory;
export const router = t.router;

// 3. Procedures ------------------------------------------------------------------------------

const serviceErrorCodes: Record<ServiceErrorKind, TRPCError["code"]> = {
  not_found: "NOT_FOUND",
  forbidden: "FORBIDDEN",
  conflict: "CONFLICT",
  invalid: "BAD_REQUEST",
};

/** Services throw ServiceError; here, at the API edge, it becomes the matching tRPC error. */
const mapServiceErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof ServiceError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: serviceErrorCodes[cause.kind], message: cause.message, cause });
  }
  return result;
});

/** Anyone, signed in or not. */
export const publicProcedure = t.procedure.use(mapServiceErrors);

/**
 * Signed-in users. Auditors read everything and change nothing: every mutation refuses them
 * here, once, so no router can forget it.
 */
export const authedProcedure = publicProcedure.use(({ ctx, type, next }) => {
  if (!ctx.viewer) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to continue." });
  if (type === "mutation" && ctx.viewer.globalRole === "auditor") {
    throw new TRPCError({ code: "FORBIDDEN", message: "Auditors have read-only access: this action changes data." });
  }
  return next({ ctx: { ...ctx, viewer: ctx.viewer, actor: actorOf(ctx.viewer) } });
});

/** Global admins: catalog curation, teams, budgets, users. */
export const adminProcedure = authedProcedure.use(({ ctx, next }) => {
  if (ctx.viewer.globalRole !== "admin") {
    throw new TRPCError({ code: "FORBIDDEN", message: "This needs the admin role." });
  }
  return next();
});

/** Admins and auditors: read-only views across every team (users, audit log). */
export const oversightProcedure = authedProcedure.use(({ ctx, next }) => {
  if (ctx.viewer.globalRole !== "admin" && ctx.viewer.globalRole !== "auditor") {
    throw new TRPCError({ code: "FORBIDDEN", message: "This needs the admin or auditor role." });
  }
  return next();
});

/**
 * Loads the team named by `teamId` and the caller's role in it onto ctx. Reading a team is
 * allowed to its members and to admins and auditors; the stricter procedures below build on it.
 */
async function readableTeam(ctx: Context & { viewer: Viewer }, teamId: string) {
  const team = await ctx.db.query.teams.findFirst({ where: eq(teams.id, teamId) });
  if (!team) throw new TRPCError({ code: "NOT_FOUND", message: "Team was not found." });
  const membership = ctx.viewer.teams.find((m) => m.id === team.id) ?? null;
  const oversees = ctx.viewer.globalRole === "admin" || ctx.viewer.globalRole === "auditor";
  if (!membership && !oversees) {
    throw new TRPCError({ code: "FORBIDDEN", message: "You are not a member of this team." });
  }
  return { team, teamRole: membership?.role ?? null };
}

export const teamProcedure = authedProcedure
  .input(z.object({ teamId: z.uuid({ error: "must be a team id" }) }))
  .use(async ({ ctx, input, next }) => next({ ctx: { ...ctx, ...(await readableTeam(ctx, input.teamId)) } }));

/**
 * Read-only views of one team (like teamProcedure) or, with `teamId: "all"`, of every team,
 * which needs the admin or auditor role. ctx.team is null for "all".
 */
export const teamOrAllProcedure = authedProcedure
  .input(z.object({ teamId: z.union([z.literal("all"), z.uuid()], { error: "must be a team id or 'all'" }) }))
  .use(async ({ ctx, input, next }) => {
    if (input.teamId !== "all") return next({ ctx: { ...ctx, ...(await readableTeam(ctx, input.teamId)) } });
    if (ctx.viewer.globalRole !== "admin" && ctx.viewer.globalRole !== "auditor") {
      throw new TRPCError({ code: "FORBIDDEN", message: "Every team's figures need the admin or auditor role." });
    }
    return next({ ctx: { ...ctx, team: null, teamRole: null } });
  });

/** Members of the team (any role) acting in it, e.g. requesting an environment. */
export const teamMemberProcedure = teamProcedure.use(({ ctx, next }) => {
  if (!ctx.teamRole) throw new TRPCError({ code: "FORBIDDEN", message: "This needs membership of the team." });
  return next();
});

/** The team's approvers, and admins. */
export const teamApproverProcedure = teamProcedure.use(({ ctx, next }) => {
  if (ctx.teamRole !== "approver" && ctx.viewer.globalRole !== "admin") {
    throw new TRPCError({ code: "FORBIDDEN", message: "This needs the approver role in the team." });
  }
  return next();
});

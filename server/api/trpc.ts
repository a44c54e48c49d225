/**
 * The tRPC API, as a tour:
 * 1. Context: who is calling (the viewer, with memberships), the database, and the call's
 *    correlation id with a logger bound to it.
 * 2. Initialisation: superjson, and errors shaped so forms can show them next to the field.
 * 3. Procedures: who may call, for every router. A handler never checks a role itself; it picks
 *    the procedure that states who may call it. The rules are in server/access/rules.ts; the
 *    procedures apply them and load the subject (team, request, environment, run) onto ctx,
 *    NOT_FOUND when the caller may not read it. Every call, whichever procedure, writes one
 *    JSON log line (path, type, duration, outcome, user; never inputs).
 */
import { TRPCError, initTRPC } from "@trpc/server";
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { Logger } from "pino";
import superjson from "superjson";
import { z, ZodError } from "zod";
import { boundFieldErrors, boundText, describeZodError, errorBounds, zodFieldErrors } from "./error-bounds";
import { inputProblem } from "./input-limits";
import { RedactedError } from "~/server/core/redacted-error";
import { internalErrorMessage, serverFault } from "./internal-errors";
import type { Database } from "~/db/client";
import { logger as rootLogger } from "~/server/logger";
import { ServiceError, type ServiceErrorKind } from "~/server/core/errors";
import {
  approvesAnywhere,
  canApproveIn,
  canCancelRequest,
  canEditRequest,
  canOperate,
  canReadAllTeams,
  canReadAudit,
  canReadSlo,
  canReadWebhooks,
  canRequestIn,
  isAdmin,
  isReadOnly,
  teamRoleIn,
} from "~/server/access/rules";
import { readableEnvironment, readableRequest, readableRun, readableTeam } from "~/server/access/subjects";
import { actorOf, type Viewer } from "~/server/services/users";
import { mutationCommitted, serializeAnswer, type ReadCache } from "./read-cache";

// 1. Context ---------------------------------------------------------------------------------

export type Context = {
  db: Database;
  viewer: Viewer | null;
  /**
   * The HTTP request's id (its sane `x-request-id`, else a new UUID; sent back in
   * `x-request-id`). Every log line of the call carries it. A request's audit events keep the
   * request id as their correlation id (its timeline); this one ties log lines to an HTTP call.
   */
  correlationId: string;
  /** The logger for this call: JSON lines with `correlationId` bound. */
  log: Logger;
  /** The web process's read cache (read-cache.ts), for the calls over HTTP; absent elsewhere (tests, scripts). */
  readCache?: ReadCache;
};

export function createContext(
  db: Database,
  viewer: Viewer | null,
  options: { correlationId?: string; log?: Logger; readCache?: ReadCache } = {},
): Context {
  const correlationId = options.correlationId ?? randomUUID();
  return { db, viewer, correlationId, log: (options.log ?? rootLogger).child({ correlationId }), readCache: options.readCache };
}

// 2. Initialisation --------------------------------------------------------------------------

/** An internal error the call guard below has already replaced by a generic, redacted one. */
const isServerFault = (error: TRPCError) => error.code === "INTERNAL_SERVER_ERROR" && !(error.cause instanceof ServiceError);

const t = initTRPC.context<Context>().create({
  // Answers the read cache shares are serialised once, not at every hit (read-cache.ts).
  transformer: { input: superjson, output: { serialize: serializeAnswer, deserialize: (value) => superjson.deserialize(value) } },
  /**
   * Forms read `fieldErrors` (field → messages) and `field`. Every answer is of bounded size, and
   * a server fault answers a generic message with the correlation id: no SQL, no values, no stack.
   */
  errorFormatter({ shape, error, ctx }) {
    const cause = error.cause;
    const fault = isServerFault(error);
    const fieldErrors =
      cause instanceof ZodError ? zodFieldErrors(cause) : cause instanceof ServiceError ? boundFieldErrors(cause.fieldErrors) : null;
    const message = fault
      ? internalErrorMessage(ctx?.correlationId)
      : cause instanceof ZodError
        ? `Invalid input: ${describeZodError(cause)}`
        : shape.message;
    const { stack: _stack, ...data } = shape.data as typeof shape.data & { stack?: string };
    return {
      ...shape,
      message: boundText(message, errorBounds.maxMessage),
      data: {
        ...data,
        ...(fault || !_stack ? {} : { stack: _stack }),
        fieldErrors,
        field: cause instanceof ServiceError && cause.field ? boundText(cause.field, errorBounds.maxFieldName) : null,
        correlationId: ctx?.correlationId ?? null,
      },
    };
  },
});

/**
 * Every call, before its input schema runs and around everything after it:
 * - the raw input must keep the input limits (size, nesting, keys, no control characters),
 *   refused with the field named, so no schema, service or database sees it;
 * - an invalid input's message lists a bounded number of problems;
 * - a server fault becomes a generic error whose cause is redacted (the call log below writes
 *   that one: the statement and where it failed, never the values bound to it).
 */
const guardCall = t.middleware(async ({ ctx, getRawInput, next }) => {
  const problem = inputProblem(await getRawInput());
  if (problem)
    throw new ServiceError("invalid", `Invalid input: ${problem.path}: ${problem.message}`, problem.path, { [problem.path]: [problem.message] });
  const result = await next();
  if (result.ok) return result;
  const { error } = result;
  if (error.cause instanceof ZodError)
    throw new TRPCError({ code: error.code, message: `Invalid input: ${describeZodError(error.cause)}`, cause: error.cause });
  if (isServerFault(error) && !(error.cause instanceof RedactedError)) {
    throw serverFault(error.cause ?? error, ctx.correlationId);
  }
  return result;
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

/** Errors the call log below has written; the HTTP handler logs only the others (unknown path, bad batch). */
export const loggedErrors = new WeakSet<TRPCError>();

/**
 * One JSON line per call: correlation id (bound on ctx.log), path, type, duration, outcome and
 * error code, and the caller's user id. Never inputs, outputs or error details a caller sent:
 * those may hold secrets. Server faults (INTERNAL_SERVER_ERROR) log at error level with the
 * error and its stack; refusals and invalid input at info.
 */
const logCall = t.middleware(async ({ ctx, path, type, next }) => {
  const started = performance.now();
  const result = await next();
  const line = { path, type, durationMs: Math.round((performance.now() - started) * 10) / 10, userId: ctx.viewer?.id ?? null };
  if (result.ok) ctx.log.info({ ...line, outcome: "ok" }, "trpc call");
  else {
    loggedErrors.add(result.error);
    if (result.error.code === "INTERNAL_SERVER_ERROR")
      ctx.log.error({ ...line, outcome: "error", code: result.error.code, err: result.error }, "trpc call failed");
    else ctx.log.info({ ...line, outcome: "error", code: result.error.code }, "trpc call refused");
  }
  return result;
});

/** Services throw ServiceError; here, at the API edge, it becomes the matching tRPC error. */
const mapServiceErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof ServiceError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: serviceErrorCodes[cause.kind], message: cause.message, cause });
  }
  return result;
});

/** A mutation's change shows in its caller's next read at once, before the database's notification reaches the read cache. */
const bumpReadCache = t.middleware(async ({ type, next }) => {
  const result = await next();
  if (type === "mutation") mutationCommitted();
  return result;
});

/** Anyone, signed in or not. */
export const publicProcedure = t.procedure.use(logCall).use(bumpReadCache).use(mapServiceErrors).use(guardCall);

/** FORBIDDEN naming who may, unless `allowed`: for stricter variants and the odd per-call check in a handler. */
export function authorize(allowed: boolean, message: string): void {
  if (!allowed) throw new TRPCError({ code: "FORBIDDEN", message });
}

const notFound = (what: string) => new TRPCError({ code: "NOT_FOUND", message: `${what} was not found.` });

/** Signed-in users, auditors included: the base of authedProcedure, and of auditedRefusalProcedure below. */
const signedInProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.viewer) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to continue." });
  return next({ ctx: { ...ctx, viewer: ctx.viewer, actor: actorOf(ctx.viewer) } });
});

/**
 * Signed-in users. Auditors read everything and change nothing: every mutation refuses them
 * here, once, so no router can forget it.
 */
export const authedProcedure = signedInProcedure.use(({ ctx, type, next }) => {
  authorize(type !== "mutation" || !isReadOnly(ctx.viewer), "Auditors have read-only access: this action changes data.");
  return next();
});

/**
 * Signed-in users, auditors INCLUDED, for the mutations whose every refusal is audited by the
 * service itself (revealing a secret): the read-only guard above would refuse an auditor before
 * anything is recorded. The service must refuse auditors through its rule (canRevealSecret).
 * The access matrix test lists the procedures allowed to use this.
 */
export const auditedRefusalProcedure = signedInProcedure;

/** Global admins: catalog curation, teams, budgets, users. */
export const adminProcedure = authedProcedure.use(({ ctx, next }) => {
  authorize(isAdmin(ctx.viewer), "This needs the admin role.");
  return next();
});

/** Admins and auditors: read-only views across every team (users, audit log). */
export const oversightProcedure = authedProcedure.use(({ ctx, next }) => {
  authorize(canReadAudit(ctx.viewer), "This needs the admin or auditor role.");
  return next();
});

/** The SLO dashboards (issue 16): admins, auditors, and approvers (for their teams, scoped by the service). */
export const sloReaderProcedure = authedProcedure.use(({ ctx, next }) => {
  authorize(canReadSlo(ctx.viewer), "The SLO dashboards need the approver role in a team, or the admin or auditor role.");
  return next();
});

/** Approvers of some team, and admins: the inbox and decisions (which request a person may decide is the policy's call). */
export const approverProcedure = authedProcedure.use(({ ctx, next }) => {
  authorize(approvesAnywhere(ctx.viewer), "This needs the approver role in a team, or the admin role.");
  return next();
});

// Teams: loaded onto ctx with the caller's role in it. A team the caller may not read answers
// NOT_FOUND like an unknown id, so the API never tells whether another team exists.

async function loadTeam(ctx: Context & { viewer: Viewer }, teamId: string) {
  const team = await readableTeam(ctx.db, ctx.viewer, teamId);
  if (!team) throw notFound("Team");
  return { team, teamRole: teamRoleIn(ctx.viewer, team.id) };
}

/** One team (`teamId`) its members, admins and auditors read; the stricter procedures below build on it. */
export const teamProcedure = authedProcedure
  .input(z.object({ teamId: z.uuid({ error: "must be a team id" }) }))
  .use(async ({ ctx, input, next }) => next({ ctx: { ...ctx, ...(await loadTeam(ctx, input.teamId)) } }));

/**
 * Read-only views of one team (like teamProcedure) or, with `teamId: "all"`, of every team,
 * which needs the admin or auditor role. ctx.team is null for "all".
 */
export const teamOrAllProcedure = authedProcedure
  .input(z.object({ teamId: z.union([z.literal("all"), z.uuid()], { error: "must be a team id or 'all'" }) }))
  .use(async ({ ctx, input, next }) => {
    if (input.teamId !== "all") return next({ ctx: { ...ctx, ...(await loadTeam(ctx, input.teamId)) } });
    authorize(canReadAllTeams(ctx.viewer), "Every team's figures need the admin or auditor role.");
    return next({ ctx: { ...ctx, team: null, teamRole: null } });
  });

/** Members of the team (any role) acting in it, e.g. requesting an environment. */
export const teamMemberProcedure = teamProcedure.use(({ ctx, next }) => {
  authorize(canRequestIn(ctx.viewer, ctx.team.id), "This needs membership of the team.");
  return next();
});

/** The team's approvers, and admins: deciding and managing for the team (its webhooks). */
export const teamApproverProcedure = teamProcedure.use(({ ctx, next }) => {
  authorize(canApproveIn(ctx.viewer, ctx.team.id), "This needs the approver role in the team.");
  return next();
});

/** A team's webhooks and their deliveries, read only: its approvers, admins and auditors (URLs can be internal). */
export const teamWebhookReaderProcedure = teamProcedure.use(({ ctx, next }) => {
  authorize(canReadWebhooks(ctx.viewer, ctx.team.id), "This needs the approver role in the team (or the admin or auditor role).");
  return next();
});

// Requests, environments and runs: `requestId` / `environmentId` / `runId` loaded onto ctx when
// the caller may read it (its team's members, admins, auditors), else NOT_FOUND. Rules that need
// a locked row or write an audit event on refusal (destroy, reveal) stay in their services.

async function loadRequest(ctx: Context & { viewer: Viewer }, requestId: string) {
  const request = await readableRequest(ctx.db, ctx.viewer, requestId);
  if (!request) throw notFound("Request");
  return request;
}

export const requestIdInput = z.object({ requestId: z.uuid({ error: "must be a request id" }) });

/** One request (`requestId`) on ctx.request. */
export const requestProcedure = authedProcedure
  .input(requestIdInput)
  .use(async ({ ctx, input, next }) => next({ ctx: { ...ctx, request: await loadRequest(ctx, input.requestId) } }));

/** Its requester only: editing. */
export const requestRequesterProcedure = requestProcedure.use(({ ctx, next }) => {
  authorize(canEditRequest(ctx.viewer, ctx.request), "Only the requester can edit a request.");
  return next();
});

/** Its requester, or an admin: cancelling. */
export const requestCancellerProcedure = requestProcedure.use(({ ctx, next }) => {
  authorize(canCancelRequest(ctx.viewer, ctx.request), "Only the requester (or an admin) can cancel a request.");
  return next();
});

/** A decision on one request: approvers of some team and admins (approverProcedure), who read the request. */
export const requestDeciderProcedure = approverProcedure
  .input(requestIdInput)
  .use(async ({ ctx, input, next }) => next({ ctx: { ...ctx, request: await loadRequest(ctx, input.requestId) } }));

/** One environment (`environmentId`) on ctx.environment. */
export const environmentProcedure = authedProcedure
  .input(z.object({ environmentId: z.uuid({ error: "must be an environment id" }) }))
  .use(async ({ ctx, input, next }) => {
    const environment = await readableEnvironment(ctx.db, ctx.viewer, input.environmentId);
    if (!environment) throw notFound("Environment");
    return next({ ctx: { ...ctx, environment } });
  });

/** Those who look after the environment (operatorCapacity): its owner, the team's approvers, admins. Extending. */
export const environmentOperatorProcedure = environmentProcedure.use(({ ctx, next }) => {
  authorize(canOperate(ctx.viewer, ctx.environment), "Only the environment's owner, the team's approvers or an admin can do this.");
  return next();
});

/** One run (`runId`) on ctx.run, with its environment's team id. */
export const runProcedure = authedProcedure.input(z.object({ runId: z.uuid({ error: "must be a run id" }) })).use(async ({ ctx, input, next }) => {
  const run = await readableRun(ctx.db, ctx.viewer, input.runId);
  if (!run) throw notFound("Run");
  return next({ ctx: { ...ctx, run } });
});

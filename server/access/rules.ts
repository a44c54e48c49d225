/**
 * Who may do what: every access rule of Provisio, defined once, as pure functions of the viewer
 * (their global role and team memberships) and the subject (a team, request, environment or
 * run, by the few facts a rule needs). The API's procedures (server/api/trpc.ts), the services,
 * the REST routes and the pages call these; nothing else compares roles.
 *
 * The model in four lines:
 * - Admins run the platform (catalog, teams, users) and may act in any team; auditors read
 *   everything and change nothing. Both "oversee": they read every team's data.
 * - A team's data is for its members. Its approvers also decide on its requests and manage its
 *   webhooks. The owner of an environment (while still a member) looks after it.
 * - Reading comes first: a subject the viewer may not read does not exist for them (NOT_FOUND,
 *   teams included), so no answer tells whether another team or its objects exist.
 * - Rules about changes exclude auditors themselves, so a page showing a button and the API
 *   refusing the call never disagree.
 */
import type { GlobalRole, MembershipRole } from "~/db/schema";

/** What every rule is decided from; `Viewer` (server/services/users.ts) is one. */
export type AccessViewer = {
  id: string;
  globalRole: GlobalRole | null;
  teams: readonly { id: string; role: MembershipRole }[];
};
type Roles = Pick<AccessViewer, "globalRole">;

/** A request, by the facts access depends on. */
export type RequestFacts = { teamId: string; requesterId: string };
/** An environment, by the facts access depends on. */
export type EnvironmentFacts = { teamId: string; ownerId: string };
/** A run belongs to its environment's team. */
export type RunFacts = { teamId: string };

// Global roles -------------------------------------------------------------------------------

/** Admins: curate the catalog, manage teams, budgets and users, and stand in for any team's approvers. */
export const isAdmin = (v: Roles) => v.globalRole === "admin";

/** Auditors: read every team's data and the audit log; change nothing, never see a secret. */
export const isAuditor = (v: Roles) => v.globalRole === "auditor";

/** Admins and auditors read every team's data (lists, costs, the audit log, users). */
export const oversees = (v: Roles) => isAdmin(v) || isAuditor(v);

/** Read-only viewers: every mutation refuses them (authedProcedure), every change rule excludes them. */
export const isReadOnly = isAuditor;

/** Admins curate the catalog (drafts, publishing, deprecation). */
export const canCurateCatalog = isAdmin;

/** Admins create teams, set budgets, quotas and memberships, and give global roles. */
export const canManageTeams = isAdmin;

/** The users list and the audit log (and its export): admins and auditors. */
export const canReadAudit = oversees;

// Teams --------------------------------------------------------------------------------------

/** The viewer's role in a team, or null when they are not a member. */
export const teamRoleIn = (v: AccessViewer, teamId: string): MembershipRole | null => v.teams.find((t) => t.id === teamId)?.role ?? null;

export const isMemberOf = (v: AccessViewer, teamId: string) => teamRoleIn(v, teamId) !== null;

export const isApproverIn = (v: AccessViewer, teamId: string) => teamRoleIn(v, teamId) === "approver";

/** A team, its costs, requests and environments: its members, and admins and auditors. */
export const canReadTeam = (v: AccessViewer, teamId: string) => isMemberOf(v, teamId) || oversees(v);

/** The teams whose data the viewer reads: "all" for admins and auditors, else their own. For list queries. */
export const readableTeamIds = (v: AccessViewer): "all" | string[] => (oversees(v) ? "all" : v.teams.map((t) => t.id));

/** Figures of every team at once (costs "all", the cost export of all teams): admins and auditors. */
export const canReadAllTeams = oversees;

/**
 * Acting in a team (previewing and submitting requests): its members, whatever their role.
 * Admins and auditors are not members as such: they request in teams they belong to.
 */
export const canRequestIn = (v: AccessViewer, teamId: string) => isMemberOf(v, teamId);

/**
 * Deciding for a team: its approvers, and admins (who stand in so a team is never stuck).
 * Which request a given person may approve is the policy's call (stages, separation of duties).
 */
export const canApproveIn = (v: AccessViewer, teamId: string) => !isReadOnly(v) && (isApproverIn(v, teamId) || isAdmin(v));

/** The approvals inbox and decisions: approvers of some team, and admins. */
export const approvesAnywhere = (v: AccessViewer) => isAdmin(v) || v.teams.some((t) => t.role === "approver");

/** Teams whose pending requests the viewer may be asked to decide: "all" for admins. */
export const decidableTeamIds = (v: AccessViewer): "all" | string[] =>
  isAdmin(v) ? "all" : v.teams.filter((t) => t.role === "approver").map((t) => t.id);

/** A team's webhooks and deliveries: its approvers, admins and auditors. Not plain members: URLs can be internal. */
export const canReadWebhooks = (v: AccessViewer, teamId: string) => isApproverIn(v, teamId) || oversees(v);

/** Creating, changing, rotating and redelivering a team's webhooks: its approvers and admins. */
export const canManageWebhooks = canApproveIn;

// Requests -----------------------------------------------------------------------------------

/** A request: whoever reads its team. */
export const canReadRequest = (v: AccessViewer, r: RequestFacts) => canReadTeam(v, r.teamId);

/** Editing a pending request: its requester only (approvals are of what they asked for). */
export const canEditRequest = (v: AccessViewer, r: RequestFacts) => !isReadOnly(v) && canReadRequest(v, r) && r.requesterId === v.id;

/** Cancelling a pending request: its requester, or an admin. */
export const canCancelRequest = (v: AccessViewer, r: RequestFacts) =>
  !isReadOnly(v) && canReadRequest(v, r) && (r.requesterId === v.id || isAdmin(v));

/** Commenting on a request: whoever reads it, except auditors. */
export const canCommentOn = (v: AccessViewer, r: RequestFacts) => !isReadOnly(v) && canReadRequest(v, r);

/**
 * The viewer as the policy engine sees them for a request of `teamId` (approving, separation of
 * duties, the requester's role): their role in THAT team, not in any team.
 */
export const policyPrincipal = (v: AccessViewer, teamId: string) => ({ id: v.id, teamRole: teamRoleIn(v, teamId), globalRole: v.globalRole });

// Environments and runs ----------------------------------------------------------------------

/** An environment: whoever reads its team. */
export const canReadEnvironment = (v: AccessViewer, e: EnvironmentFacts) => canReadTeam(v, e.teamId);

/** The owner, while still a member of the environment's team: leaving the team ends their rights. */
export const isOwnerOf = (v: AccessViewer, e: EnvironmentFacts) => e.ownerId === v.id && isMemberOf(v, e.teamId);

/**
 * In which capacity the viewer looks after an environment (destroy, retry, extend), or null:
 * the owner first, then the team's approvers, then admins. Recorded as the destroy reason.
 */
export function operatorCapacity(v: AccessViewer, e: EnvironmentFacts): "owner" | "approver" | "admin" | null {
  if (isReadOnly(v)) return null;
  if (isOwnerOf(v, e)) return "owner";
  if (isApproverIn(v, e.teamId)) return "approver";
  if (isAdmin(v)) return "admin";
  return null;
}

/** Looking after an environment at all: the owner, the team's approvers or an admin. */
export const canOperate = (v: AccessViewer, e: EnvironmentFacts) => operatorCapacity(v, e) !== null;

/** Destroying: those who look after it. A refusal is audited by the service. */
export const canDestroy = canOperate;

/** Retrying a failed apply: those who look after it. */
export const canRetry = canOperate;

/** Extending the lifetime: those who look after it (the policy then decides on the hours). */
export const canExtend = canOperate;

/**
 * Revealing a secret output: the owner and the team's approvers. Not admins as such (only when
 * they approve in the team), never auditors. Every refusal is audited by the service.
 */
export const canRevealSecret = (v: AccessViewer, e: EnvironmentFacts) => !isReadOnly(v) && (isOwnerOf(v, e) || isApproverIn(v, e.teamId));

/** A run and its log: whoever reads its environment's team. */
export const canReadRun = (v: AccessViewer, r: RunFacts) => canReadTeam(v, r.teamId);

// Costs --------------------------------------------------------------------------------------

/** A team's costs (summary, export): whoever reads the team; every team at once ("all"): admins and auditors. */
export const canReadCosts = (v: AccessViewer, teamId: string | "all") => (teamId === "all" ? canReadAllTeams(v) : canReadTeam(v, teamId));

// Display ------------------------------------------------------------------------------------

/** How the shell names the viewer's strongest role. */
export function roleLabel(v: AccessViewer): string {
  if (isAdmin(v)) return "Admin";
  if (isAuditor(v)) return "Auditor (read only)";
  if (v.teams.some((t) => t.role === "approver")) return "Approver";
  return v.teams.length > 0 ? "Developer" : "No team yet";
}

// API tokens ---------------------------------------------------------------------------------

/** A team's service tokens (robots acting in it): its approvers and admins create, list and revoke them. */
export const canManageServiceTokens = canApproveIn;

/**
 * The scopes a personal token of the viewer may carry: never more than the person may do.
 * Auditors read only; approve needs the approver role somewhere (or admin); admin needs the admin role.
 */
export function personalTokenScopesFor(v: AccessViewer): ("read" | "request" | "approve" | "destroy" | "admin")[] {
  if (isReadOnly(v)) return ["read"];
  return ["read", "request", "destroy", ...(approvesAnywhere(v) ? (["approve"] as const) : []), ...(isAdmin(v) ? (["admin"] as const) : [])];
}

/** Asking for a drift check now (read-only for the cloud): the team's members who may act, and admins. */
export const canCheckDrift = (v: AccessViewer, e: EnvironmentFacts) => !isReadOnly(v) && (isMemberOf(v, e.teamId) || isAdmin(v));

/** Acknowledging drift (with a reason and an expiry): those who look after the environment. */
export const canAcknowledgeDrift = canOperate;

/** Causing drift in the simulator on purpose (demo, tests): admins only. */
export const canCauseChaos = isAdmin;

/** Asking to reconcile drift (a request through policy): those who look after the environment. */
export const canReconcile = canOperate;

/** Accepting drift as desired (a day-2 update request through policy): those who look after the environment. */
export const canAcceptDrift = canOperate;

// Provisioning SLOs (issue 16) ---------------------------------------------------------------

/**
 * The SLO dashboards: admins and auditors for every team ("all"); a team's approvers for the
 * teams they approve in (they answer for its provisioning); nobody else (null).
 */
export const sloTeamIds = (v: AccessViewer): "all" | string[] | null => {
  if (oversees(v)) return "all";
  const approved = v.teams.filter((t) => t.role === "approver").map((t) => t.id);
  return approved.length > 0 ? approved : null;
};
export const canReadSlo = (v: AccessViewer) => sloTeamIds(v) !== null;
/** SLO targets change what pages and alerts say for everyone: admins. */
export const canManageSlo = isAdmin;

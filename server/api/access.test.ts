/**
 * The access matrix: every procedure of the API × every persona × a subject of the caller's own
 * team and of another team, against real rows. Who may not call answers FORBIDDEN naming the
 * missing right; what the caller may not read (another team, its requests, environments, runs)
 * answers NOT_FOUND, exactly as an unknown id does. Allowed calls are given input that fails a
 * business rule after the access checks (a stale version, a wrong name, a too-short
 * justification), so the matrix changes next to nothing and can run in any order.
 */
import { TRPCError } from "@trpc/server";
import { and, eq } from "drizzle-orm";
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";
import { templateYaml, uniqueTemplateName } from "~/testing/templates";
import type { Database } from "~/db/client";
import { auditEvents, environments, requests, runEvents, runs } from "~/db/schema";
import { appRouter } from "./root";

type Caller = Awaited<ReturnType<typeof callerFor>>;
type Persona = "member" | "teammate" | "approver" | "admin" | "auditor";
const personas: Persona[] = ["member", "teammate", "approver", "admin", "auditor"];

/** One team's subjects: the team, a pending request and a ready environment of its member, the environment's run, a webhook. */
type Subjects = { teamId: string; requestId: string; environmentId: string; environmentName: string; runId: string; webhookId: string };
type Fixtures = {
  own: Subjects;
  other: Subjects;
  template: string;
  bystanderId: string;
  /** A webhook made for one call to delete. */
  freshWebhook: (teamId: string) => Promise<string>;
};
type Call = (caller: Caller, f: Fixtures) => Promise<unknown>;
type Refusal = "FORBIDDEN" | "NOT_FOUND";
/** What the row names: an allowed caller must not be told it was not found. */
type Subject = "Team" | "Request" | "Environment" | "Run";
type Row = { call: Call; subject?: Subject; refused: Partial<Record<Persona, Refusal>> };

const F = "FORBIDDEN" as const;
const N = "NOT_FOUND" as const;
const everyone: Partial<Record<Persona, Refusal>> = {};
const adminsOnly = { member: F, teammate: F, approver: F, auditor: F };
const overseersOnly = { member: F, teammate: F, approver: F };
const readOnly = { auditor: F };
/** Another team for its non-members: it does not exist. */
const unseen = { member: N, teammate: N, approver: N };

const hourAgo = () => new Date(Date.now() - 3_600_000).toISOString();
/** An SLO view of the own team, another team, and every team the caller may see (approvers: theirs). */
function sloRows(name: string, call: (c: Caller, teamId: string) => Promise<unknown>): Record<string, Row> {
  return {
    [`slo.${name} (own team)`]: { call: (c, f) => call(c, f.own.teamId), subject: "Team", refused: { member: F, teammate: F } },
    [`slo.${name} (other team)`]: { call: (c, f) => call(c, f.other.teamId), subject: "Team", refused: { member: F, teammate: F, approver: N } },
    [`slo.${name} (all teams)`]: { call: (c) => call(c, "all"), refused: { member: F, teammate: F } },
  };
}

/**
 * Every procedure with valid input and who may NOT call it. A procedure that takes a subject has
 * an "(own team)" and an "(other team)" row; the completeness tests below fail on a missing one.
 */
const procedures: Record<string, Row> = {
  "me.get": { call: (c) => c.me.get(), refused: everyone },
  "home.platform": { call: (c) => c.home.platform(), refused: overseersOnly },
  "teams.list": { call: (c) => c.teams.list(), refused: everyone },
  "teams.get (own team)": { call: (c, f) => c.teams.get({ teamId: f.own.teamId }), subject: "Team", refused: everyone },
  "teams.get (other team)": { call: (c, f) => c.teams.get({ teamId: f.other.teamId }), subject: "Team", refused: unseen },
  "teams.create": {
    call: (c) =>
      c.teams.create({ slug: `t-${randomUUID().slice(0, 8)}`, name: "New team", description: "", costCenter: "CC-1", monthlyBudgetUsd: 10 }),
    refused: adminsOnly,
  },
  // Admin-only team changes refuse everyone else before looking at the team: no answer depends on it.
  "teams.update (own team)": { call: (c, f) => c.teams.update(teamUpdate(f.own.teamId)), subject: "Team", refused: adminsOnly },
  "teams.update (other team)": { call: (c, f) => c.teams.update(teamUpdate(f.other.teamId)), subject: "Team", refused: adminsOnly },
  "teams.setMember (own team)": {
    call: (c, f) => c.teams.setMember({ teamId: f.own.teamId, email: "nobody@example.test", role: "member" }),
    subject: "Team",
    refused: adminsOnly,
  },
  "teams.setMember (other team)": {
    call: (c, f) => c.teams.setMember({ teamId: f.other.teamId, email: "nobody@example.test", role: "member" }),
    subject: "Team",
    refused: adminsOnly,
  },
  "teams.removeMember (own team)": {
    call: (c, f) => c.teams.removeMember({ teamId: f.own.teamId, userId: f.bystanderId }),
    subject: "Team",
    refused: adminsOnly,
  },
  "teams.removeMember (other team)": {
    call: (c, f) => c.teams.removeMember({ teamId: f.other.teamId, userId: f.bystanderId }),
    subject: "Team",
    refused: adminsOnly,
  },
  "users.list": { call: (c) => c.users.list(), refused: overseersOnly },
  "users.setGlobalRole": { call: (c, f) => c.users.setGlobalRole({ userId: f.bystanderId, globalRole: null }), refused: adminsOnly },
  "audit.list": { call: (c) => c.audit.list({}), refused: overseersOnly },
  "audit.facets": { call: (c) => c.audit.facets(), refused: overseersOnly },

  // Acting in a team is for its members: admins and auditors read every team but request in their own.
  "requests.preview (own team)": { call: (c, f) => c.requests.preview(draft(f, f.own.teamId)), subject: "Team", refused: { admin: F, auditor: F } },
  "requests.preview (other team)": {
    call: (c, f) => c.requests.preview(draft(f, f.other.teamId)),
    subject: "Team",
    refused: { ...unseen, admin: F, auditor: F },
  },
  "requests.submit (own team)": {
    call: (c, f) => c.requests.submit(submission(f, f.own.teamId)),
    subject: "Team",
    refused: { admin: F, auditor: F },
  },
  "requests.submit (other team)": {
    call: (c, f) => c.requests.submit(submission(f, f.other.teamId)),
    subject: "Team",
    refused: { ...unseen, admin: F, auditor: F },
  },
  "requests.terraformPlan (own team)": {
    call: (c, f) => c.requests.terraformPlan(draft(f, f.own.teamId)),
    subject: "Team",
    refused: { admin: F, auditor: F },
  },
  "requests.terraformPlan (other team)": {
    call: (c, f) => c.requests.terraformPlan(draft(f, f.other.teamId)),
    subject: "Team",
    refused: { ...unseen, admin: F, auditor: F },
  },
  "catalog.preview (own team)": {
    call: (c, f) => c.catalog.preview(catalogDraft(f, f.own.teamId)),
    subject: "Team",
    refused: { admin: F, auditor: F },
  },
  "catalog.preview (other team)": {
    call: (c, f) => c.catalog.preview(catalogDraft(f, f.other.teamId)),
    subject: "Team",
    refused: { ...unseen, admin: F, auditor: F },
  },

  // Requests: the own team's is the member's, pending; editing is the requester's, cancelling the requester's or an admin's.
  "requests.get (own team)": { call: (c, f) => c.requests.get({ requestId: f.own.requestId }), subject: "Request", refused: everyone },
  "requests.get (other team)": { call: (c, f) => c.requests.get({ requestId: f.other.requestId }), subject: "Request", refused: unseen },
  "requests.list": { call: (c) => c.requests.list({}), refused: everyone },
  "requests.update (own team)": {
    call: (c, f) => c.requests.update(edit(f.own.requestId)),
    subject: "Request",
    refused: { teammate: F, approver: F, admin: F, auditor: F },
  },
  "requests.update (other team)": {
    call: (c, f) => c.requests.update(edit(f.other.requestId)),
    subject: "Request",
    refused: { ...unseen, admin: F, auditor: F },
  },
  "requests.cancel (own team)": {
    call: (c, f) => c.requests.cancel({ requestId: f.own.requestId, expectedVersion: 999 }),
    subject: "Request",
    refused: { teammate: F, approver: F, auditor: F },
  },
  "requests.cancel (other team)": {
    call: (c, f) => c.requests.cancel({ requestId: f.other.requestId, expectedVersion: 999 }),
    subject: "Request",
    refused: { ...unseen, auditor: F },
  },
  "requests.comment (own team)": {
    call: (c, f) => c.requests.comment({ requestId: f.own.requestId, body: "" }),
    subject: "Request",
    refused: readOnly,
  },
  "requests.comment (other team)": {
    call: (c, f) => c.requests.comment({ requestId: f.other.requestId, body: "" }),
    subject: "Request",
    refused: { ...unseen, auditor: F },
  },
  "requests.terraformPlanForRequest (own team)": {
    call: (c, f) => c.requests.terraformPlanForRequest({ requestId: f.own.requestId }),
    subject: "Request",
    refused: everyone,
  },
  "requests.terraformPlanForRequest (other team)": {
    call: (c, f) => c.requests.terraformPlanForRequest({ requestId: f.other.requestId }),
    subject: "Request",
    refused: unseen,
  },
  "requests.plan (own team)": {
    call: (c, f) => c.requests.plan({ requestId: f.own.requestId }),
    subject: "Request",
    refused: everyone,
  },
  "requests.plan (other team)": {
    call: (c, f) => c.requests.plan({ requestId: f.other.requestId }),
    subject: "Request",
    refused: unseen,
  },
  "requests.savedPlans (own team)": {
    call: (c, f) => c.requests.savedPlans({ requestId: f.own.requestId }),
    subject: "Request",
    refused: everyone,
  },
  "requests.savedPlans (other team)": {
    call: (c, f) => c.requests.savedPlans({ requestId: f.other.requestId }),
    subject: "Request",
    refused: unseen,
  },
  "approvals.inbox": { call: (c) => c.approvals.inbox(), refused: { member: F, teammate: F, auditor: F } },
  // Deciding: approvers of some team and admins; which request is then the policy's call. A stale version stops the allowed.
  "approvals.decide (own team)": {
    call: (c, f) => c.approvals.decide(decision(f.own.requestId)),
    subject: "Request",
    refused: { member: F, teammate: F, auditor: F },
  },
  "approvals.decide (other team)": {
    call: (c, f) => c.approvals.decide(decision(f.other.requestId)),
    subject: "Request",
    refused: { member: F, teammate: F, approver: N, auditor: F },
  },

  // Environments: the own team's is the member's (its owner). Destroy, retry, extend: the owner, the team's approvers, admins.
  "environments.list": { call: (c) => c.environments.list({}), refused: everyone },
  "environments.get (own team)": {
    call: (c, f) => c.environments.get({ environmentId: f.own.environmentId }),
    subject: "Environment",
    refused: everyone,
  },
  "environments.get (other team)": {
    call: (c, f) => c.environments.get({ environmentId: f.other.environmentId }),
    subject: "Environment",
    refused: unseen,
  },
  // Secrets: the owner and the team's approvers only; not admins as such, never auditors (refusals audited).
  "environments.revealSecret (own team)": {
    call: (c, f) => c.environments.revealSecret({ environmentId: f.own.environmentId, name: "password" }),
    subject: "Environment",
    refused: { teammate: F, admin: F, auditor: F },
  },
  "environments.revealSecret (other team)": {
    call: (c, f) => c.environments.revealSecret({ environmentId: f.other.environmentId, name: "password" }),
    subject: "Environment",
    refused: { ...unseen, admin: F, auditor: F },
  },
  "environments.destroy (own team)": {
    call: (c, f) => c.environments.destroy(destruction(f.own.environmentId)),
    subject: "Environment",
    refused: { teammate: F, auditor: F },
  },
  "environments.destroy (other team)": {
    call: (c, f) => c.environments.destroy(destruction(f.other.environmentId)),
    subject: "Environment",
    refused: { ...unseen, auditor: F },
  },
  "environments.retry (own team)": {
    call: (c, f) => c.environments.retry({ environmentId: f.own.environmentId }),
    subject: "Environment",
    refused: { teammate: F, auditor: F },
  },
  "environments.retry (other team)": {
    call: (c, f) => c.environments.retry({ environmentId: f.other.environmentId }),
    subject: "Environment",
    refused: { ...unseen, auditor: F },
  },
  // Drift: everyone who reads sees it; checking is for the team's members and admins; acknowledging for the owner, approvers, admins; chaos for admins.
  "drift.get (own team)": { call: (c, f) => c.drift.get({ environmentId: f.own.environmentId }), subject: "Environment", refused: everyone },
  "drift.get (other team)": { call: (c, f) => c.drift.get({ environmentId: f.other.environmentId }), subject: "Environment", refused: unseen },
  "drift.checkNow (own team)": {
    call: (c, f) => c.drift.checkNow({ environmentId: f.own.environmentId }),
    subject: "Environment",
    refused: readOnly,
  },
  "drift.checkNow (other team)": {
    call: (c, f) => c.drift.checkNow({ environmentId: f.other.environmentId }),
    subject: "Environment",
    refused: { ...unseen, auditor: F },
  },
  "drift.acknowledge (own team)": {
    call: (c, f) => c.drift.acknowledge({ environmentId: f.own.environmentId, reason: "Known change, fixed next sprint", hours: 24 }),
    subject: "Environment",
    refused: { teammate: F, auditor: F },
  },
  "drift.acknowledge (other team)": {
    call: (c, f) => c.drift.acknowledge({ environmentId: f.other.environmentId, reason: "Known change, fixed next sprint", hours: 24 }),
    subject: "Environment",
    refused: { ...unseen, auditor: F },
  },
  "drift.requestReconcile (own team)": {
    call: (c, f) => c.drift.requestReconcile({ environmentId: f.own.environmentId, reason: "Put the console change back" }),
    subject: "Environment",
    refused: { teammate: F, auditor: F },
  },
  "drift.requestReconcile (other team)": {
    call: (c, f) => c.drift.requestReconcile({ environmentId: f.other.environmentId, reason: "Put the console change back" }),
    subject: "Environment",
    refused: { ...unseen, auditor: F },
  },
  "drift.accept (own team)": {
    call: (c, f) =>
      c.drift.accept({ environmentId: f.own.environmentId, reason: "The console change is what we want", clientRequestId: randomUUID() }),
    subject: "Environment",
    refused: { teammate: F, auditor: F },
  },
  "drift.accept (other team)": {
    call: (c, f) =>
      c.drift.accept({ environmentId: f.other.environmentId, reason: "The console change is what we want", clientRequestId: randomUUID() }),
    subject: "Environment",
    refused: { ...unseen, auditor: F },
  },
  "drift.simChaos (own team)": {
    call: (c, f) => c.drift.simChaos({ environmentId: f.own.environmentId, kind: "tag" }),
    subject: "Environment",
    refused: adminsOnly,
  },
  "drift.simChaos (other team)": {
    call: (c, f) => c.drift.simChaos({ environmentId: f.other.environmentId, kind: "tag" }),
    subject: "Environment",
    refused: { ...unseen, auditor: F },
  },
  "extensions.preview (own team)": {
    call: (c, f) => c.extensions.preview({ environmentId: f.own.environmentId, hours: 24 }),
    subject: "Environment",
    refused: { teammate: F, auditor: F },
  },
  "extensions.preview (other team)": {
    call: (c, f) => c.extensions.preview({ environmentId: f.other.environmentId, hours: 24 }),
    subject: "Environment",
    refused: { ...unseen, auditor: F },
  },
  "extensions.request (own team)": {
    call: (c, f) => c.extensions.request(extension(f.own.environmentId)),
    subject: "Environment",
    refused: { teammate: F, auditor: F },
  },
  "extensions.request (other team)": {
    call: (c, f) => c.extensions.request(extension(f.other.environmentId)),
    subject: "Environment",
    refused: { ...unseen, auditor: F },
  },
  // A template's fleet: admins, auditors and team approvers (their teams' environments only).
  "fleet.get": { call: (c, f) => c.fleet.get({ templateName: f.template }), refused: { member: F, teammate: F } },
  // Fleet rollouts span every team: admins run them, admins and auditors read them. Inputs fail after the checks (nothing behind 1.0.0, unknown ids).
  "fleetRollouts.dryRun": { call: (c, f) => c.fleetRollouts.dryRun({ templateName: f.template, targetVersion: "1.0.0" }), refused: adminsOnly },
  "fleetRollouts.start": {
    call: (c, f) =>
      c.fleetRollouts.start({
        templateName: f.template,
        targetVersion: "1.0.0",
        canary: { size: 1, unit: "environments" },
        batchSize: 1,
        maxFailures: 0,
        approvals: { mode: "wait" },
      }),
    refused: adminsOnly,
  },
  "fleetRollouts.pause": { call: (c) => c.fleetRollouts.pause({ rolloutId: randomUUID() }), refused: adminsOnly },
  "fleetRollouts.resume": { call: (c) => c.fleetRollouts.resume({ rolloutId: randomUUID() }), refused: adminsOnly },
  "fleetRollouts.cancel": { call: (c) => c.fleetRollouts.cancel({ rolloutId: randomUUID() }), refused: adminsOnly },
  "fleetRollouts.list": { call: (c, f) => c.fleetRollouts.list({ templateName: f.template }), refused: overseersOnly },
  "fleetRollouts.get": { call: (c) => c.fleetRollouts.get({ rolloutId: randomUUID() }), refused: overseersOnly },
  "fleetRollouts.failNextChange": { call: (c) => c.fleetRollouts.failNextChange({ environmentId: randomUUID() }), refused: adminsOnly },
  // Changes: the owner, the team's approvers, admins (as extend); editing a pending change: its requester.
  "updates.preview (own team)": {
    call: (c, f) => c.updates.preview({ environmentId: f.own.environmentId, parameters: {} }),
    subject: "Environment",
    refused: { teammate: F, auditor: F },
  },
  "updates.preview (other team)": {
    call: (c, f) => c.updates.preview({ environmentId: f.other.environmentId, parameters: {} }),
    subject: "Environment",
    refused: { ...unseen, auditor: F },
  },
  "updates.request (own team)": {
    call: (c, f) => c.updates.request(change(f.own.environmentId)),
    subject: "Environment",
    refused: { teammate: F, auditor: F },
  },
  "updates.request (other team)": {
    call: (c, f) => c.updates.request(change(f.other.environmentId)),
    subject: "Environment",
    refused: { ...unseen, auditor: F },
  },
  "updates.edit (own team)": {
    call: (c, f) => c.updates.edit(changeEdit(f.own.requestId)),
    subject: "Request",
    refused: { teammate: F, approver: F, admin: F, auditor: F },
  },
  "updates.edit (other team)": {
    call: (c, f) => c.updates.edit(changeEdit(f.other.requestId)),
    subject: "Request",
    refused: { ...unseen, admin: F, auditor: F },
  },
  "runs.get (own team)": { call: (c, f) => c.runs.get({ runId: f.own.runId }), subject: "Run", refused: everyone },
  "runs.get (other team)": { call: (c, f) => c.runs.get({ runId: f.other.runId }), subject: "Run", refused: unseen },

  "catalog.list": { call: (c) => c.catalog.list(), refused: everyone },
  "catalog.get": { call: (c, f) => c.catalog.get({ name: f.template }), refused: everyone },
  // Catalog curation is for admins only; auditors do not even read drafts through it.
  "templateAdmin.list": { call: (c) => c.templateAdmin.list(), refused: adminsOnly },
  "templateAdmin.get": { call: (c, f) => c.templateAdmin.get({ name: f.template }), refused: adminsOnly },
  "templateAdmin.validate": { call: (c) => c.templateAdmin.validate({ yaml: templateYaml("access-check") }), refused: adminsOnly },
  "templateAdmin.createDraft": {
    call: (c) => c.templateAdmin.createDraft({ yaml: templateYaml(uniqueTemplateName("access")) }),
    refused: adminsOnly,
  },
  "templateAdmin.updateDraft": {
    call: (c) => c.templateAdmin.updateDraft({ versionId: randomUUID(), yaml: templateYaml("access-check"), expectedLockVersion: 1 }),
    refused: adminsOnly,
  },
  "templateAdmin.deleteDraft": { call: (c) => c.templateAdmin.deleteDraft({ versionId: randomUUID(), expectedLockVersion: 1 }), refused: adminsOnly },
  "templateAdmin.publish": { call: (c) => c.templateAdmin.publish({ versionId: randomUUID(), expectedLockVersion: 1 }), refused: adminsOnly },
  "templateAdmin.deprecate": { call: (c) => c.templateAdmin.deprecate({ templateId: randomUUID(), reason: "retired" }), refused: adminsOnly },
  "templateAdmin.restore": { call: (c) => c.templateAdmin.restore({ templateId: randomUUID() }), refused: adminsOnly },

  // Costs: a team's members read its costs, admins and auditors any team's; every team at once only admins and auditors.
  "costs.summary (own team)": { call: (c, f) => c.costs.summary({ teamId: f.own.teamId }), subject: "Team", refused: everyone },
  "costs.summary (other team)": { call: (c, f) => c.costs.summary({ teamId: f.other.teamId }), subject: "Team", refused: unseen },
  "costs.summary (all teams)": { call: (c) => c.costs.summary({ teamId: "all" }), refused: overseersOnly },

  // API tokens: personal ones for everyone but auditors (a change); a team's service tokens for its approvers and admins.
  "apiTokens.settings": { call: (c) => c.apiTokens.settings(), refused: everyone },
  "apiTokens.setSettings": { call: (c) => c.apiTokens.setSettings({ maxTokenDays: 90 }), refused: adminsOnly },
  "apiTokens.listMine": { call: (c) => c.apiTokens.listMine(), refused: everyone },
  "apiTokens.createPersonal": { call: (c) => c.apiTokens.createPersonal(tooLongToken), refused: readOnly },
  // Revoking an unknown token answers NOT_FOUND to everyone; who may revoke which token is tested in the service.
  "apiTokens.revoke": { call: (c) => c.apiTokens.revoke({ tokenId: randomUUID() }).catch(notFoundIsFine), refused: readOnly },
  "apiTokens.listTeam (own team)": {
    call: (c, f) => c.apiTokens.listTeam({ teamId: f.own.teamId }),
    subject: "Team",
    refused: { member: F, teammate: F, auditor: F },
  },
  "apiTokens.listTeam (other team)": {
    call: (c, f) => c.apiTokens.listTeam({ teamId: f.other.teamId }),
    subject: "Team",
    refused: { ...unseen, auditor: F },
  },
  "apiTokens.createService (own team)": {
    call: (c, f) => c.apiTokens.createService({ ...tooLongToken, teamId: f.own.teamId, role: "member" }),
    subject: "Team",
    refused: { member: F, teammate: F, auditor: F },
  },
  "apiTokens.createService (other team)": {
    call: (c, f) => c.apiTokens.createService({ ...tooLongToken, teamId: f.other.teamId, role: "member" }),
    subject: "Team",
    refused: { ...unseen, auditor: F },
  },

  // Ephemeral environments: the live environment of a team's pull request, for whoever reads the team (none here: NOT_FOUND naming the PR).
  "prEnvironments.find (own team)": {
    call: (c, f) => c.prEnvironments.find({ teamId: f.own.teamId, repository: "acme/app", pullRequest: 1 }).catch(noPrEnvironmentIsFine),
    subject: "Team",
    refused: everyone,
  },
  "prEnvironments.find (other team)": {
    call: (c, f) => c.prEnvironments.find({ teamId: f.other.teamId, repository: "acme/app", pullRequest: 1 }).catch(noPrEnvironmentIsFine),
    subject: "Team",
    refused: unseen,
  },

  // Notifications: everyone reads their own; marking read is a change, so auditors are refused.
  "notifications.list": { call: (c) => c.notifications.list({}), refused: everyone },
  "notifications.unreadCount": { call: (c) => c.notifications.unreadCount(), refused: everyone },
  "notifications.markRead": { call: (c) => c.notifications.markRead({ ids: [randomUUID()] }), refused: readOnly },
  "notifications.markAllRead": { call: (c) => c.notifications.markAllRead(), refused: readOnly },

  // Team webhooks: the team's approvers and admins manage them; auditors read them; members do not see them.
  "webhooks.list (own team)": { call: (c, f) => c.webhooks.list({ teamId: f.own.teamId }), subject: "Team", refused: { member: F, teammate: F } },
  "slo.targets": { call: (c) => c.slo.targets(), refused: { member: F, teammate: F } },
  "slo.setTarget": {
    call: (c) => c.slo.setTarget({ key: "success", objectivePercent: 99, thresholdMinutes: null, windowDays: 28 }),
    refused: adminsOnly,
  },
  ...sloRows("executive", (c, teamId) => c.slo.executive({ teamId, from: hourAgo() })),
  ...sloRows("oncall", (c, teamId) => c.slo.oncall({ teamId })),
  ...sloRows("debug", (c, teamId) => c.slo.debug({ teamId, from: hourAgo() })),
  ...sloRows("runs", (c, teamId) => c.slo.runs({ teamId, from: hourAgo(), status: "failed" })),
  "webhooks.list (other team)": { call: (c, f) => c.webhooks.list({ teamId: f.other.teamId }), subject: "Team", refused: unseen },
  "webhooks.create (own team)": {
    call: (c, f) => c.webhooks.create(badWebhook(f.own.teamId)),
    subject: "Team",
    refused: { member: F, teammate: F, auditor: F },
  },
  "webhooks.create (other team)": {
    call: (c, f) => c.webhooks.create(badWebhook(f.other.teamId)),
    subject: "Team",
    refused: { ...unseen, auditor: F },
  },
  "webhooks.update (own team)": {
    call: (c, f) => c.webhooks.update(hookUpdate(f.own)),
    subject: "Team",
    refused: { member: F, teammate: F, auditor: F },
  },
  "webhooks.update (other team)": { call: (c, f) => c.webhooks.update(hookUpdate(f.other)), subject: "Team", refused: { ...unseen, auditor: F } },
  "webhooks.rotateSecret (own team)": {
    call: (c, f) => c.webhooks.rotateSecret({ teamId: f.own.teamId, webhookId: f.own.webhookId }),
    subject: "Team",
    refused: { member: F, teammate: F, auditor: F },
  },
  "webhooks.rotateSecret (other team)": {
    call: (c, f) => c.webhooks.rotateSecret({ teamId: f.other.teamId, webhookId: f.other.webhookId }),
    subject: "Team",
    refused: { ...unseen, auditor: F },
  },
  "webhooks.delete (own team)": {
    call: async (c, f) => c.webhooks.delete({ teamId: f.own.teamId, webhookId: await f.freshWebhook(f.own.teamId) }),
    subject: "Team",
    refused: { member: F, teammate: F, auditor: F },
  },
  "webhooks.delete (other team)": {
    call: async (c, f) => c.webhooks.delete({ teamId: f.other.teamId, webhookId: await f.freshWebhook(f.other.teamId) }),
    subject: "Team",
    refused: { ...unseen, auditor: F },
  },
  "webhooks.deliveries (own team)": {
    call: (c, f) => c.webhooks.deliveries({ teamId: f.own.teamId, webhookId: f.own.webhookId }),
    subject: "Team",
    refused: { member: F, teammate: F },
  },
  "webhooks.deliveries (other team)": {
    call: (c, f) => c.webhooks.deliveries({ teamId: f.other.teamId, webhookId: f.other.webhookId }),
    subject: "Team",
    refused: unseen,
  },
  "webhooks.redeliver (own team)": {
    call: (c, f) => c.webhooks.redeliver({ teamId: f.own.teamId, webhookId: f.own.webhookId, deliveryId: randomUUID() }),
    subject: "Team",
    refused: { member: F, teammate: F, auditor: F },
  },
  "webhooks.redeliver (other team)": {
    call: (c, f) => c.webhooks.redeliver({ teamId: f.other.teamId, webhookId: f.other.webhookId, deliveryId: randomUUID() }),
    subject: "Team",
    refused: { ...unseen, auditor: F },
  },
};

/** Mutations whose service audits every refusal itself (auditedRefusalProcedure): auditors reach the service. */
const auditedRefusals = ["environments.revealSecret", "environments.destroy"];

// Inputs that pass the access checks and then fail a business rule, so allowed callers change nothing.
const teamUpdate = (teamId: string) => ({ teamId, name: "Renamed", description: "", costCenter: "CC-2", monthlyBudgetUsd: 5, expectedVersion: 999 });
const draft = (f: Fixtures, teamId: string) => ({
  teamId,
  templateName: f.template,
  tier: "dev" as const,
  environmentName: "matrix-preview",
  ttlHours: 24,
  parameters: {},
});
const catalogDraft = (f: Fixtures, teamId: string) => ({
  teamId,
  name: f.template,
  tier: "dev" as const,
  environmentName: "matrix-preview",
  parameters: {},
});
const submission = (f: Fixtures, teamId: string) => ({ ...draft(f, teamId), justification: "", clientRequestId: randomUUID() });
const edit = (requestId: string) => ({
  requestId,
  expectedVersion: 999,
  tier: "dev" as const,
  environmentName: "matrix-edit",
  ttlHours: 24,
  parameters: {},
  justification: "Access check of the API",
});
const decision = (requestId: string) => ({ requestId, expectedVersion: 999, decision: "approved" as const, comment: "" });
const destruction = (environmentId: string) => ({ environmentId, confirmName: "not-its-name", expectedVersion: 1 });
const change = (environmentId: string) => ({ environmentId, parameters: {}, justification: "short", clientRequestId: randomUUID() });
const changeEdit = (requestId: string) => ({ requestId, expectedVersion: 999, parameters: {}, justification: "not a change request" });
const extension = (environmentId: string) => ({ environmentId, hours: 24, justification: "short", clientRequestId: randomUUID() });
const badWebhook = (teamId: string) => ({ teamId, url: "ftp://hooks.example.test/", events: ["dev.provisio.request.approved" as const] });
const hookUpdate = (s: Subjects) => ({ teamId: s.teamId, webhookId: s.webhookId, active: false, expectedVersion: 999 });

/** Longer than the admins' maximum (90 days by default): refused after the access checks. */
const tooLongToken = { name: "matrix token", scopes: ["read" as const], expiresInDays: 3650 };
const notFoundIsFine = (error: unknown) => {
  if (error instanceof TRPCError && error.code === "NOT_FOUND" && error.message === "Token was not found.") return null;
  throw error;
};

const noPrEnvironmentIsFine = (error: unknown) => {
  if (error instanceof TRPCError && error.code === "NOT_FOUND" && error.message.startsWith("A live environment of")) return null;
  throw error;
};

type Outcome = { code: string; message: string };

async function outcomeOf(promise: Promise<unknown>): Promise<Outcome> {
  try {
    await promise;
    return { code: "OK", message: "" };
  } catch (error) {
    if (error instanceof TRPCError) return { code: error.code, message: error.message };
    throw error;
  }
}

const procedureName = (row: string) => row.replace(/ \(.*\)$/, "");
// At run time `_def.procedures` is flat, keyed by path ("requests.get"), as the completeness test relies on.
const typeOf = (name: string) => (appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>)[name]?._def.type;

let db: Database;
let fixtures: Fixtures;
const ids = {} as Record<Persona | "stranger", string>;
const callers = {} as Record<Persona | "anonymous", Caller>;

beforeAll(async () => {
  let url: string;
  ({ db, url } = await createTestDatabase());
  // The terraform plan procedures read the runtime settings: give them a complete set.
  Object.assign(process.env, { DATABASE_URL: url, NEXTAUTH_SECRET: "x".repeat(32), PROVISIO_DEMO: "true" });
  const user = async (persona: Persona | "stranger", globalRole: "admin" | "auditor" | null = null) =>
    (ids[persona] = (await makeUser(db, { globalRole, name: `Matrix ${persona}` })).id);
  await Promise.all([user("member"), user("teammate"), user("approver"), user("admin", "admin"), user("auditor", "auditor"), user("stranger")]);
  // The target of removeMember and setGlobalRole, so those calls change nobody the matrix uses.
  const bystander = await makeUser(db);
  const own = await makeTeam(db, [
    { userId: ids.member, role: "member" },
    { userId: ids.teammate, role: "member" },
    { userId: ids.approver, role: "approver" },
    { userId: bystander.id, role: "member" },
  ]);
  const other = await makeTeam(db, [{ userId: ids.stranger, role: "approver" }]);
  callers.anonymous = await callerFor(db, null);
  for (const persona of personas) callers[persona] = await callerFor(db, ids[persona]);
  const stranger = await callerFor(db, ids.stranger);

  const template = uniqueTemplateName("matrix");
  const created = await callers.admin.templateAdmin.createDraft({ yaml: templateYaml(template) });
  await callers.admin.templateAdmin.publish({ versionId: created.versionId, expectedLockVersion: created.lockVersion });

  const freshWebhook = async (teamId: string) =>
    (await callers.admin.webhooks.create({ teamId, url: "https://hooks.example.test/provisio", events: ["dev.provisio.request.approved"] })).webhook
      .id;

  /** A pending prod request and a ready dev environment (with an apply run and its log) of `requester` in `teamId`. */
  async function subjectsOf(requester: Caller, ownerId: string, teamId: string): Promise<Subjects> {
    const submit = (tier: "dev" | "prod", environmentName: string) =>
      requester.requests.submit({
        teamId,
        templateName: template,
        tier,
        environmentName,
        ttlHours: 24,
        parameters: {},
        justification: "Access matrix fixture",
        clientRequestId: randomUUID(),
      });
    const pending = await submit("prod", "matrix-pending");
    expect(pending.status).toBe("pending_approval");
    const live = await submit("dev", "matrix-live");
    const [request] = await db.select().from(requests).where(eq(requests.id, live.id));
    const [environment] = await db
      .insert(environments)
      .values({
        requestId: live.id,
        teamId,
        ownerId,
        templateVersionId: request!.templateVersionId,
        name: "matrix-live",
        tier: "dev",
        engine: "sim",
        status: "ready",
        onFailure: "cleanup",
        expiresAt: new Date(Date.now() + 24 * 3_600_000),
        readyAt: new Date(),
      })
      .returning();
    const [run] = await db
      .insert(runs)
      .values({ environmentId: environment!.id, kind: "apply", status: "succeeded", finishedAt: new Date() })
      .returning();
    await db
      .insert(runEvents)
      .values(["plan: 3 to create", "apply complete"].map((message) => ({ runId: run!.id, level: "info" as const, message })));
    return {
      teamId,
      requestId: pending.id,
      environmentId: environment!.id,
      environmentName: environment!.name,
      runId: run!.id,
      webhookId: await freshWebhook(teamId),
    };
  }

  fixtures = {
    own: await subjectsOf(callers.member, ids.member, own.id),
    other: await subjectsOf(stranger, ids.stranger, other.id),
    template,
    bystanderId: bystander.id,
    freshWebhook,
  };
});

describe("the matrix is complete", () => {
  it("lists every procedure of the router", () => {
    expect([...new Set(Object.keys(procedures).map(procedureName))].sort()).toEqual(Object.keys(appRouter._def.procedures).sort());
  });

  it("has an own-team and an other-team row for every procedure that takes a subject", () => {
    const rows = Object.keys(procedures);
    for (const [row, entry] of Object.entries(procedures).filter(([, e]) => e.subject)) {
      const name = procedureName(row);
      expect(rows, name).toEqual(expect.arrayContaining([`${name} (own team)`, `${name} (other team)`]));
      expect(entry.subject, row).toBe(procedures[`${name} (own team)`]?.subject);
    }
  });

  it("refuses auditors every mutation, through the read-only guard unless the service audits the refusal", async () => {
    const mutations = Object.entries(procedures).filter(([r]) => typeOf(procedureName(r)) === "mutation");
    expect(mutations.length).toBeGreaterThan(30);
    for (const [row, entry] of mutations) {
      expect(entry.refused.auditor, row).toBe("FORBIDDEN");
      const { message } = await outcomeOf(entry.call(callers.auditor, fixtures));
      if (auditedRefusals.includes(procedureName(row))) expect(message, row).not.toBe("Auditors have read-only access: this action changes data.");
      else expect(message, row).toBe("Auditors have read-only access: this action changes data.");
    }
  });
});

describe("access rules of every procedure", () => {
  it.each(Object.keys(procedures))("%s answers UNAUTHORIZED without a session", async (row) => {
    expect((await outcomeOf(procedures[row]!.call(callers.anonymous, fixtures))).code).toBe("UNAUTHORIZED");
  });

  const cases = Object.entries(procedures).flatMap(([row, entry]) =>
    personas.map((persona) => [row, persona, entry.refused[persona] ?? "allowed"] as const),
  );

  it.each(cases.filter(([, , expected]) => expected === "FORBIDDEN"))("%s answers FORBIDDEN to a %s, naming who may", async (row, persona) => {
    const { code, message } = await outcomeOf(procedures[row]!.call(callers[persona], fixtures));
    expect(code).toBe("FORBIDDEN");
    expect(message).toMatch(/admin|auditor|member|approver|read-only|owner|requester/i);
  });

  it.each(cases.filter(([, , expected]) => expected === "NOT_FOUND"))("%s answers NOT_FOUND to a %s", async (row, persona) => {
    const entry = procedures[row]!;
    expect(await outcomeOf(entry.call(callers[persona], fixtures))).toEqual({ code: "NOT_FOUND", message: `${entry.subject} was not found.` });
  });

  it.each(cases.filter(([, , expected]) => expected === "allowed"))("%s is not refused to a %s", async (row, persona) => {
    const entry = procedures[row]!;
    const outcome = await outcomeOf(entry.call(callers[persona], fixtures));
    // Allowed callers may still hit a business rule (a stale version, an unknown email): never an access refusal, never a fault.
    expect(["UNAUTHORIZED", "FORBIDDEN", "INTERNAL_SERVER_ERROR"]).not.toContain(outcome.code);
    if (entry.subject) expect(outcome).not.toEqual({ code: "NOT_FOUND", message: `${entry.subject} was not found.` });
  });
});

describe("what the caller may not read does not exist for them", () => {
  // Every other-team subject replaced by an unknown id: the answers must be the same, teams included (issue 17).
  const unknown = (): Fixtures => ({
    ...fixtures,
    other: {
      teamId: randomUUID(),
      requestId: randomUUID(),
      environmentId: randomUUID(),
      environmentName: "unknown",
      runId: randomUUID(),
      webhookId: randomUUID(),
    },
    freshWebhook: async (teamId) => (teamId === fixtures.other.teamId ? fixtures.freshWebhook(teamId) : randomUUID()),
  });
  const hidden = Object.entries(procedures).flatMap(([row, entry]) =>
    personas.filter((p) => entry.refused[p] === "NOT_FOUND").map((p) => [row, p] as const),
  );

  it.each(hidden)("%s answers a %s the same for another team's subject as for an unknown id", async (row, persona) => {
    const entry = procedures[row]!;
    const [seen, missing] = [await outcomeOf(entry.call(callers[persona], fixtures)), await outcomeOf(entry.call(callers[persona], unknown()))];
    expect(seen).toEqual(missing);
  });

  it("answers another team's id with NOT_FOUND, not FORBIDDEN, on every team procedure", async () => {
    expect(await outcomeOf(callers.approver.teams.get({ teamId: fixtures.other.teamId }))).toEqual({
      code: "NOT_FOUND",
      message: "Team was not found.",
    });
    expect(await outcomeOf(callers.approver.webhooks.list({ teamId: fixtures.other.teamId }))).toEqual({
      code: "NOT_FOUND",
      message: "Team was not found.",
    });
    // Admins and auditors read every team: for them it exists, and acting in it needs membership.
    expect(await outcomeOf(callers.auditor.teams.get({ teamId: fixtures.other.teamId }))).toMatchObject({ code: "OK" });
    expect(await outcomeOf(callers.admin.requests.preview(draft(fixtures, fixtures.other.teamId)))).toEqual({
      code: "FORBIDDEN",
      message: "This needs membership of the team.",
    });
  });

  it("names the field of a malformed id", async () => {
    const cases = [
      [callers.member.teams.get({ teamId: "nope" }), "teamId"],
      [callers.member.requests.get({ requestId: "nope" }), "requestId"],
      [callers.member.environments.get({ environmentId: "nope" }), "environmentId"],
      [callers.member.runs.get({ runId: "nope" }), "runId"],
    ] as const;
    for (const [call, field] of cases) {
      const error = (await call.catch((e: unknown) => e)) as TRPCError;
      expect(error.code).toBe("BAD_REQUEST");
      expect(JSON.stringify(error.cause)).toContain(field);
    }
  });
});

describe("auditors are read-only", () => {
  it("refuses every mutation with a read-only message", async () => {
    const error = await callers.auditor.teams
      .create({ slug: "audit-try", name: "Audit try", description: "", costCenter: "CC-9", monthlyBudgetUsd: 1 })
      .catch((e: unknown) => e);
    expect((error as TRPCError).code).toBe("FORBIDDEN");
    expect((error as TRPCError).message).toContain("read-only");
  });

  it("reads every team, like an admin", async () => {
    const teams = await callers.auditor.teams.list();
    expect(teams.map((t) => t.id)).toEqual(expect.arrayContaining([fixtures.own.teamId, fixtures.other.teamId]));
  });

  it("has a refused secret reveal audited, with the output's name and the reason, never a value (issue 17)", async () => {
    const deniedBy = (actorId: string) =>
      db
        .select()
        .from(auditEvents)
        .where(
          and(
            eq(auditEvents.action, "environment.secret_reveal_denied"),
            eq(auditEvents.actorId, actorId),
            eq(auditEvents.subjectId, fixtures.own.environmentId),
          ),
        );
    const before = (await deniedBy(ids.auditor)).length;
    const outcome = await outcomeOf(callers.auditor.environments.revealSecret({ environmentId: fixtures.own.environmentId, name: "db_password" }));
    expect(outcome).toEqual({ code: "FORBIDDEN", message: "Auditors have read-only access and never see secret values." });
    const events = (await deniedBy(ids.auditor)).slice(before);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ teamId: fixtures.own.teamId, after: { output: "db_password", reason: "auditors never see secret values" } });
  });
});

describe("an auditor's refused destroy", () => {
  it("is audited with the reason, and nothing is queued (issue 17 gap)", async () => {
    const denied = () =>
      db
        .select()
        .from(auditEvents)
        .where(
          and(
            eq(auditEvents.action, "environment.destroy_denied"),
            eq(auditEvents.actorId, ids.auditor),
            eq(auditEvents.subjectId, fixtures.own.environmentId),
          ),
        );
    const before = (await denied()).length;
    const outcome = await outcomeOf(
      callers.auditor.environments.destroy({ environmentId: fixtures.own.environmentId, confirmName: "whatever", expectedVersion: 1 }),
    );
    expect(outcome).toEqual({ code: "FORBIDDEN", message: "Auditors have read-only access: destroying changes data; the attempt was recorded." });
    const events = (await denied()).slice(before);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ teamId: fixtures.own.teamId, after: { reason: "auditors have read-only access" } });
  });
});

describe("team procedures", () => {
  it("a member lists only their own teams", async () => {
    const teams = await callers.member.teams.list();
    expect(teams.map((t) => t.id)).toEqual([fixtures.own.teamId]);
    expect(teams[0]?.myRole).toBe("member");
  });

  it("an unknown team id answers NOT_FOUND, a malformed one BAD_REQUEST naming the field", async () => {
    expect((await outcomeOf(callers.admin.teams.get({ teamId: randomUUID() }))).code).toBe("NOT_FOUND");
    const error = (await callers.admin.teams.get({ teamId: "not-a-uuid" }).catch((e: unknown) => e)) as TRPCError;
    expect(error.code).toBe("BAD_REQUEST");
    expect(JSON.stringify(error.cause)).toContain("teamId");
  });
});

describe("runProcedure", () => {
  it("gives a run's status and its log a page at a time, after a cursor", async () => {
    const all = await callers.teammate.runs.get({ runId: fixtures.own.runId });
    expect(all.run).toMatchObject({ id: fixtures.own.runId, environmentId: fixtures.own.environmentId, kind: "apply", status: "succeeded" });
    expect(all.events.map((e) => e.message)).toEqual(["plan: 3 to create", "apply complete"]);
    const rest = await callers.teammate.runs.get({ runId: fixtures.own.runId, after: all.events[0]!.id });
    expect(rest.events.map((e) => e.message)).toEqual(["apply complete"]);
    expect(rest.nextAfter).toBe(all.nextAfter);
    expect((await callers.teammate.runs.get({ runId: fixtures.own.runId, after: all.nextAfter })).events).toEqual([]);
  });
});

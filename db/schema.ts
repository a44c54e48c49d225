import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  check,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  numeric,
  pgEnum,
  pgTable,
  primaryKey,
  smallint,
  type AnyPgColumn,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import {
  denialRules,
  denialStages,
  environmentStatuses,
  failureCauses,
  type FleetRolloutStatus,
  type FleetTargetStatus,
  requestStatuses,
  resourceStatuses,
  runKinds,
  runStatuses,
  type DriftResult,
  type RequestKind,
} from "./vocabulary";

export const globalRole = pgEnum("global_role", ["admin", "auditor"]);
export const membershipRole = pgEnum("membership_role", ["member", "approver"]);
export const budgetMode = pgEnum("budget_mode", ["hard", "soft"]);

const timestamps = {
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
};

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    /** Global role; null for ordinary users whose rights come from team memberships. */
    globalRole: globalRole("global_role"),
    /** `issuer|subject` of the OpenID Connect identity, once the user signed in through OIDC. */
    oidcSubject: text("oidc_subject").unique(),
    /** Seeded demo users may use the demo sign-in; nobody else can. */
    isDemo: boolean("is_demo").notNull().default(false),
    /** A team service token's robot identity: never signs in, acts only through its token. */
    isServiceAccount: boolean("is_service_account").notNull().default(false),
    lastSignInAt: timestamp("last_sign_in_at", { withTimezone: true }),
    ...timestamps,
  },
  (t) => [uniqueIndex("users_email_lower_idx").on(sql`lower(${t.email})`), check("users_email_shape", sql`position('@' in ${t.email}) > 1`)],
);

export const teams = pgTable(
  "teams",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    slug: text("slug").notNull().unique(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    costCenter: text("cost_center").notNull(),
    /** Monthly budget in integer cents: money never goes through floats. */
    monthlyBudgetCents: bigint("monthly_budget_cents", { mode: "number" }).notNull(),
    /** hard: a request that does not fit the budget is denied; soft: it needs an admin's approval. */
    budgetMode: budgetMode("budget_mode").notNull().default("hard"),
    /** Above this estimated monthly cost an admin must approve (besides the template's own rule); null = none. */
    approvalThresholdCents: bigint("approval_threshold_cents", { mode: "number" }),
    /** Quotas on what the team's environments hold at once; null = unlimited. */
    quotaVcpus: integer("quota_vcpus"),
    quotaInstances: integer("quota_instances"),
    quotaGpus: integer("quota_gpus"),
    /** Optimistic concurrency: every update bumps it and checks the old value. */
    version: integer("version").notNull().default(1),
    ...timestamps,
  },
  (t) => [
    check("teams_budget_non_negative", sql`${t.monthlyBudgetCents} >= 0`),
    check("teams_slug_shape", sql`${t.slug} ~ '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$'`),
  ],
);

export const memberships = pgTable(
  "memberships",
  {
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: membershipRole("role").notNull(),
    ...timestamps,
  },
  (t) => [primaryKey({ columns: [t.teamId, t.userId] }), index("memberships_user_idx").on(t.userId)],
);

/** One row per worker process; /api/health reads the newest heartbeat. */
export const workerHeartbeats = pgTable("worker_heartbeats", {
  workerId: text("worker_id").primaryKey(),
  hostname: text("hostname").notNull(),
  pid: integer("pid").notNull(),
  concurrency: integer("concurrency").notNull(),
  startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
  lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull(),
  stoppedAt: timestamp("stopped_at", { withTimezone: true }),
  /** The ids graphile-worker locks this process's jobs with (one per runner pool). */
  graphileWorkerIds: text("graphile_worker_ids")
    .array()
    .notNull()
    .default(sql`'{}'::text[]`),
  /** When recovery released those locks because the heartbeat went stale (null again once it beats). */
  locksReleasedAt: timestamp("locks_released_at", { withTimezone: true }),
});

/**
 * Append-only record of every state change. A trigger (see migrations) refuses UPDATE and
 * DELETE, so no code path, ours or anyone's with table access, can rewrite history.
 */
export const auditEvents = pgTable(
  "audit_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    /** Null when the system acted (a scheduled job, the worker). */
    actorId: uuid("actor_id").references(() => users.id),
    actorLabel: text("actor_label").notNull(),
    /** The API token the actor used, when the change came through /api/v1 (else null). */
    actorTokenId: uuid("actor_token_id"),
    action: text("action").notNull(),
    subjectType: text("subject_type").notNull(),
    subjectId: text("subject_id").notNull(),
    teamId: uuid("team_id").references(() => teams.id),
    before: jsonb("before"),
    after: jsonb("after"),
    correlationId: text("correlation_id"),
  },
  (t) => [
    index("audit_events_at_idx").on(t.at),
    index("audit_events_subject_idx").on(t.subjectType, t.subjectId),
    index("audit_events_team_idx").on(t.teamId),
    // A request's timeline and the audit filters read by these.
    index("audit_events_correlation_idx").on(t.correlationId),
    index("audit_events_actor_idx").on(t.actorId),
    // text_pattern_ops: action prefixes ("request.%") use the index whatever the collation.
    index("audit_events_action_idx").on(t.action.op("text_pattern_ops")),
  ],
);

export type User = typeof users.$inferSelect;
export type Team = typeof teams.$inferSelect;
export type Membership = typeof memberships.$inferSelect;
export type GlobalRole = (typeof globalRole.enumValues)[number];
export type MembershipRole = (typeof membershipRole.enumValues)[number];

export const templateSource = pgEnum("template_source", ["file", "ui"]);
export const templateVersionStatus = pgEnum("template_version_status", ["draft", "published"]);

/**
 * A catalog entry. What it offers lives in its versions; the template itself only carries its
 * name, where it came from and whether it is deprecated (hidden from new requests).
 */
export const templates = pgTable(
  "templates",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull().unique(),
    source: templateSource("source").notNull(),
    deprecatedAt: timestamp("deprecated_at", { withTimezone: true }),
    /** Null with deprecatedAt set: deprecated by the sync because its folder was removed. */
    deprecatedById: uuid("deprecated_by_id").references(() => users.id),
    deprecationReason: text("deprecation_reason"),
    version: integer("version").notNull().default(1),
    ...timestamps,
  },
  (t) => [check("templates_name_shape", sql`${t.name} ~ '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$'`)],
);

/**
 * One version of a template. Drafts are edited in the curation UI; a published version is
 * immutable (a trigger refuses UPDATE and DELETE), identified by its semantic version and
 * content hash.
 */
export const templateVersions = pgTable(
  "template_versions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    templateId: uuid("template_id")
      .notNull()
      .references(() => templates.id),
    version: text("version").notNull(),
    major: integer("major").notNull(),
    minor: integer("minor").notNull(),
    patch: integer("patch").notNull(),
    status: templateVersionStatus("status").notNull(),
    source: templateSource("source").notNull(),
    /** The YAML as written: what authors read and diff. */
    yaml: text("yaml").notNull(),
    /** The validated document (null for a draft that does not validate yet). */
    document: jsonb("document"),
    /** Terraform module files, path → content, part of the version like the YAML. */
    moduleFiles: jsonb("module_files").$type<Record<string, string>>().notNull().default({}),
    contentHash: text("content_hash"),
    minMonthlyCents: bigint("min_monthly_cents", { mode: "number" }),
    maxMonthlyCents: bigint("max_monthly_cents", { mode: "number" }),
    defaultMonthlyCents: bigint("default_monthly_cents", { mode: "number" }),
    createdById: uuid("created_by_id").references(() => users.id),
    publishedById: uuid("published_by_id").references(() => users.id),
    publishedAt: timestamp("published_at", { withTimezone: true }),
    /** Optimistic concurrency for draft edits. */
    lockVersion: integer("lock_version").notNull().default(1),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("template_versions_template_version_idx").on(t.templateId, t.version),
    index("template_versions_status_idx").on(t.templateId, t.status),
    check(
      "template_versions_published_complete",
      sql`${t.status} = 'draft' OR (${t.document} IS NOT NULL AND ${t.contentHash} IS NOT NULL AND ${t.publishedAt} IS NOT NULL)`,
    ),
  ],
);

export type Template = typeof templates.$inferSelect;
export type TemplateVersion = typeof templateVersions.$inferSelect;

export const requestStatus = pgEnum("request_status", requestStatuses);
export const approvalDecision = pgEnum("approval_decision", ["approved", "rejected"]);
export const approverCapacity = pgEnum("approver_capacity", ["team_approver", "admin"]);

/**
 * A request for an environment from a template version: what the requester asked for, the plan
 * and cost it was shown, and the policy decision. Every status change is one transaction with an
 * optimistic `version` check and an audit event whose correlation id is the request id (the
 * request's timeline).
 */
export const requests = pgTable(
  "requests",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Human-friendly number ("REQ-42"). */
    number: bigserial("number", { mode: "number" }).notNull().unique(),
    kind: text("kind").$type<RequestKind>().notNull().default("create"),
    /** For an extension: the live environment it extends. */
    environmentId: uuid("environment_id").references((): AnyPgColumn => environments.id),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id),
    requesterId: uuid("requester_id")
      .notNull()
      .references(() => users.id),
    templateVersionId: uuid("template_version_id")
      .notNull()
      .references(() => templateVersions.id),
    environmentName: text("environment_name").notNull(),
    tier: text("tier").$type<"dev" | "staging" | "prod">().notNull(),
    parameters: jsonb("parameters").$type<Record<string, string | number | boolean>>().notNull(),
    /** Lifetime asked for; for an extension, the hours added to the current expiry. */
    ttlHours: integer("ttl_hours").notNull(),
    justification: text("justification").notNull(),
    /** The plan as shown at submit (resources, tags, cost lines). */
    plan: jsonb("plan").notNull(),
    hourlyMicros: bigint("hourly_micros", { mode: "number" }).notNull(),
    monthlyCents: bigint("monthly_cents", { mode: "number" }).notNull(),
    overTtlCents: bigint("over_ttl_cents", { mode: "number" }).notNull(),
    /** This request's share of the month it was submitted in (what the budget check counted). */
    monthShareCents: bigint("month_share_cents", { mode: "number" }).notNull(),
    usage: jsonb("usage").$type<{ vcpus: number; instances: number; gpus: number }>().notNull(),
    /** The policy decision (outcome, stages, reasons, budget and quota figures). */
    decision: jsonb("decision").notNull(),
    status: requestStatus("status").notNull(),
    /** The browser's id for this submission: a double submit or a retried call creates one request. */
    clientRequestId: uuid("client_request_id").notNull(),
    /** Ephemeral environments per pull request: where the request came from (repository, PR, commit), else null. */
    sourceRepository: text("source_repository"),
    sourcePullRequest: integer("source_pull_request"),
    sourceCommit: text("source_commit"),
    sourceUrl: text("source_url"),
    version: integer("version").notNull().default(1),
    submittedAt: timestamp("submitted_at", { withTimezone: true }).notNull().defaultNow(),
    decidedAt: timestamp("decided_at", { withTimezone: true }),
    queuedAt: timestamp("queued_at", { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("requests_client_request_idx").on(t.requesterId, t.clientRequestId),
    // One live environment name per team: a name is free again once its request is over.
    uniqueIndex("requests_live_name_idx")
      .on(t.teamId, t.environmentName)
      .where(sql`${t.kind} = 'create' and ${t.status} in ('pending_approval', 'approved', 'queued', 'provisioning', 'ready')`),
    // At most one open extension per environment.
    uniqueIndex("requests_open_extension_idx")
      .on(t.environmentId)
      .where(sql`${t.kind} = 'extend' and ${t.status} in ('pending_approval', 'approved')`),
    // At most one open update per environment: pending, approved, or waiting for or in its run.
    uniqueIndex("requests_open_update_idx")
      .on(t.environmentId)
      .where(sql`${t.kind} = 'update' and ${t.status} in ('pending_approval', 'approved', 'queued', 'provisioning')`),
    check(
      "requests_kind_valid",
      sql`${t.kind} in ('create', 'extend', 'update', 'reconcile') and (${t.kind} = 'create') = (${t.environmentId} is null)`,
    ),
    index("requests_team_status_idx").on(t.teamId, t.status),
    index("requests_requester_idx").on(t.requesterId),
    index("requests_source_idx").on(t.teamId, t.sourceRepository, t.sourcePullRequest),
    // The environment page's sizes come from the last applied change's plan: found by this, not by scanning requests.
    index("requests_applied_update_idx")
      .on(t.environmentId, t.updatedAt.desc())
      .where(sql`${t.kind} = 'update' and ${t.status} = 'applied'`),
    check("requests_costs_non_negative", sql`${t.monthlyCents} >= 0 and ${t.overTtlCents} >= 0 and ${t.monthShareCents} >= 0`),
    check("requests_ttl_positive", sql`${t.ttlHours} > 0`),
  ],
);

/**
 * One decision by one approver. Approvals made before the request's parameters changed are
 * superseded (kept for history, no longer counted); one live decision per person per request.
 */
export const approvals = pgTable(
  "approvals",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    requestId: uuid("request_id")
      .notNull()
      .references(() => requests.id),
    approverId: uuid("approver_id")
      .notNull()
      .references(() => users.id),
    decision: approvalDecision("decision").notNull(),
    capacity: approverCapacity("capacity").notNull(),
    stageIndex: integer("stage_index").notNull(),
    comment: text("comment").notNull().default(""),
    /** The request version this decision was about. */
    requestVersion: integer("request_version").notNull(),
    supersededAt: timestamp("superseded_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("approvals_one_live_per_person_idx")
      .on(t.requestId, t.approverId)
      .where(sql`${t.supersededAt} is null`),
    index("approvals_request_idx").on(t.requestId),
  ],
);

export const requestComments = pgTable(
  "request_comments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    requestId: uuid("request_id")
      .notNull()
      .references(() => requests.id),
    authorId: uuid("author_id")
      .notNull()
      .references(() => users.id),
    body: text("body").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("request_comments_request_idx").on(t.requestId)],
);

/** In-app notifications (the bell): one row per recipient. */
export const notifications = pgTable(
  "notifications",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    /** approval_needed, request_approved, request_rejected, request_cancelled, run_succeeded, run_failed… */
    kind: text("kind").notNull(),
    title: text("title").notNull(),
    body: text("body").notNull().default(""),
    /** Where the notification leads (an app path such as /requests/<id>). */
    link: text("link"),
    teamId: uuid("team_id").references(() => teams.id),
    requestId: uuid("request_id").references(() => requests.id),
    readAt: timestamp("read_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("notifications_user_idx").on(t.userId, t.createdAt)],
);

/** A team's outgoing webhook: CloudEvents 1.0 JSON, signed with HMAC-SHA256. */
export const webhooks = pgTable(
  "webhooks",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id),
    url: text("url").notNull(),
    /** The signing secret, encrypted at rest (AES-256-GCM); shown once, when created. */
    secretCiphertext: text("secret_ciphertext").notNull(),
    /** CloudEvent types it receives, e.g. dev.provisio.request.approved. */
    events: text("events").array().notNull(),
    active: boolean("active").notNull().default(true),
    createdById: uuid("created_by_id").references(() => users.id),
    version: integer("version").notNull().default(1),
    ...timestamps,
  },
  (t) => [index("webhooks_team_idx").on(t.teamId)],
);

export const webhookDeliveryStatus = pgEnum("webhook_delivery_status", ["pending", "succeeded", "failed"]);

/** Every delivery of one event to one webhook, with its attempts: the log team approvers read. */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    webhookId: uuid("webhook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    /** The CloudEvent id: receivers deduplicate retries on it. */
    eventId: uuid("event_id").notNull(),
    eventType: text("event_type").notNull(),
    payload: jsonb("payload").notNull(),
    status: webhookDeliveryStatus("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    lastAttemptAt: timestamp("last_attempt_at", { withTimezone: true }),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("webhook_deliveries_event_idx").on(t.webhookId, t.eventId),
    index("webhook_deliveries_webhook_idx").on(t.webhookId, t.createdAt),
  ],
);

export type Request = typeof requests.$inferSelect;
export type Approval = typeof approvals.$inferSelect;

// Environments and runs (the job runner) ---------------------------------------------------

export const environmentStatus = pgEnum("environment_status", environmentStatuses);
export const runKind = pgEnum("run_kind", runKinds);
export const runStatus = pgEnum("run_status", runStatuses);
export const resourceStatus = pgEnum("resource_status", resourceStatuses);
export const failureCause = pgEnum("failure_cause", failureCauses);

/** What a request made: resources (tracked one by one), outputs, owner, expiry, status. */
export const environments = pgTable(
  "environments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    requestId: uuid("request_id")
      .notNull()
      .unique()
      .references(() => requests.id),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id),
    ownerId: uuid("owner_id")
      .notNull()
      .references(() => users.id),
    templateVersionId: uuid("template_version_id")
      .notNull()
      .references(() => templateVersions.id),
    /** The parameters it runs with now, set by a successful update; null = its create request's. */
    parameters: jsonb("parameters").$type<Record<string, string | number | boolean>>(),
    name: text("name").notNull(),
    tier: text("tier").$type<"dev" | "staging" | "prod">().notNull(),
    engine: text("engine").notNull(),
    status: environmentStatus("status").notNull(),
    /** The template's policy after a failed apply: destroy what was created, or keep it. */
    onFailure: text("on_failure").$type<"cleanup" | "keep">().notNull(),
    /** Why it failed and what happened to its resources ("3 resources kept for debugging"). */
    failureSummary: text("failure_summary"),
    outputs: jsonb("outputs").$type<Record<string, string>>().notNull().default({}),
    /** Sensitive outputs, encrypted (AES-256-GCM); shown masked. */
    secretOutputsCiphertext: text("secret_outputs_ciphertext"),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    readyAt: timestamp("ready_at", { withTimezone: true }),
    destroyedAt: timestamp("destroyed_at", { withTimezone: true }),
    /** Why it is being destroyed: `expired` (the TTL sweep), `owner`, `approver`, `admin`. */
    destroyReason: text("destroy_reason"),
    destroyRequestedBy: uuid("destroy_requested_by").references(() => users.id),
    version: integer("version").notNull().default(1),
    /** Drift (issue 13): the last check's verdict (null: never checked), since when drifted, when checked and due. */
    driftStatus: text("drift_status").$type<DriftResult>(),
    driftedSince: timestamp("drifted_since", { withTimezone: true }),
    driftCheckedAt: timestamp("drift_checked_at", { withTimezone: true }),
    driftNextCheckAt: timestamp("drift_next_check_at", { withTimezone: true }),
    /** Failed checks in a row: the next one comes sooner, backing off. */
    driftFailures: integer("drift_failures").notNull().default(0),
    /** The current drift's fingerprint: owner and approvers are told once per fingerprint. */
    driftFingerprint: text("drift_fingerprint"),
    /** Drift acknowledged (with a reason) until a time, for one fingerprint: a new drift shows again. */
    driftAckFingerprint: text("drift_ack_fingerprint"),
    driftAckUntil: timestamp("drift_ack_until", { withTimezone: true }),
    driftAckReason: text("drift_ack_reason"),
    ...timestamps,
  },
  (t) => [
    index("environments_team_idx").on(t.teamId, t.status),
    index("environments_expiry_idx").on(t.expiresAt),
    index("environments_drift_due_idx")
      .on(t.driftNextCheckAt)
      .where(sql`${t.status} = 'ready'`),
    // SLI M7 (time to recover) finds the next environment of the same name; the dashboards read by ready time.
    index("environments_team_name_idx").on(t.teamId, t.name),
    index("environments_ready_at_idx").on(t.readyAt),
    // SLI M1 per request: the few environments that never became ready (failed creates).
    index("environments_never_ready_idx")
      .on(t.status)
      .where(sql`${t.readyAt} is null`),
  ],
);

/** Every resource an environment holds, tracked before it is created, so none is ever untracked. */
export const environmentResources = pgTable(
  "environment_resources",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    environmentId: uuid("environment_id")
      .notNull()
      .references(() => environments.id),
    address: text("address").notNull(),
    type: text("type").notNull(),
    /** `<environment id>/<address>`: how a retried or resumed apply finds what it already made. */
    idempotencyKey: text("idempotency_key").notNull().unique(),
    providerId: text("provider_id"),
    status: resourceStatus("status").notNull(),
    properties: jsonb("properties").$type<Record<string, unknown>>().notNull(),
    attributes: jsonb("attributes").$type<Record<string, unknown>>().notNull().default({}),
    sensitiveCiphertext: text("sensitive_ciphertext"),
    tags: jsonb("tags").$type<Record<string, string>>().notNull(),
    hourlyMicros: bigint("hourly_micros", { mode: "number" }).notNull().default(0),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    readyAt: timestamp("ready_at", { withTimezone: true }),
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
  },
  (t) => [uniqueIndex("environment_resources_address_idx").on(t.environmentId, t.address)],
);

/** One execution by the worker (apply, destroy, drift check), with attempts and timings. */
export const runs = pgTable(
  "runs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    environmentId: uuid("environment_id")
      .notNull()
      .references(() => environments.id),
    kind: runKind("kind").notNull(),
    status: runStatus("status").notNull(),
    attempts: integer("attempts").notNull().default(0),
    /** The worker holding it, and when it last said so: a stale heartbeat means the worker died. */
    workerId: text("worker_id"),
    heartbeatAt: timestamp("heartbeat_at", { withTimezone: true }),
    error: text("error"),
    /** Why it failed (set with the error; null unless failed). */
    failureCause: failureCause("failure_cause"),
    /** Transient engine errors retried during the run, and how many of them were rate-limit answers. */
    retries: integer("retries").notNull().default(0),
    rateLimitResponses: integer("rate_limit_responses").notNull().default(0),
    queuedAt: timestamp("queued_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [
    // One run at a time per environment.
    uniqueIndex("runs_one_active_per_environment_idx")
      .on(t.environmentId)
      .where(sql`${t.status} in ('queued', 'running')`),
    index("runs_environment_idx").on(t.environmentId, t.queuedAt),
    // The SLO dashboards read runs by when they were queued and finished (issue 16).
    index("runs_queued_at_idx").on(t.queuedAt),
    index("runs_finished_at_idx").on(t.finishedAt),
    // Failed runs by when they failed: partial applies, recovery, failing-now and failed-run lists (issue 16).
    index("runs_failed_finished_at_idx")
      .on(t.finishedAt)
      .where(sql`${t.status} = 'failed'`),
    // The SLO run lists (debug, "runs behind a number") filter on when a run finished, or was queued if not yet.
    index("runs_finished_or_queued_idx").on(sql`coalesce(${t.finishedAt}, ${t.queuedAt})`),
    // SLI M7: an environment's next success after a failure.
    index("runs_recovery_idx")
      .on(t.environmentId, t.finishedAt)
      .where(sql`${t.status} = 'succeeded' and ${t.kind} <> 'drift'`),
  ],
);

/** A run's append-only log; inserting one notifies listeners (the browser stream) at once. */
export const runEvents = pgTable(
  "run_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    runId: uuid("run_id")
      .notNull()
      .references(() => runs.id),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    level: text("level").$type<"info" | "warn" | "error">().notNull(),
    message: text("message").notNull(),
    address: text("address"),
    data: jsonb("data"),
  },
  (t) => [index("run_events_run_idx").on(t.runId, t.id)],
);

/**
 * Expiry reminders sent, one per environment, kind and expiry: an extension moves the expiry,
 * so the reminders for the new one are due again, and a sweep that runs twice sends once.
 */
export const environmentReminders = pgTable(
  "environment_reminders",
  {
    environmentId: uuid("environment_id")
      .notNull()
      .references(() => environments.id),
    kind: text("kind").$type<"24h" | "1h">().notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    sentAt: timestamp("sent_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.environmentId, t.kind, t.expiresAt] })],
);

/**
 * A resource's hourly rate over the time it existed. Opened by a trigger when a tracked
 * resource becomes ready and closed when it is deleted (db/migrations/0010), so every code path
 * that creates or destroys a resource records cost exactly once. Team, template and tier are
 * copied in, so a record stays true after the environment changes.
 */
export const costRecords = pgTable(
  "cost_records",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    resourceId: uuid("resource_id")
      .notNull()
      .references(() => environmentResources.id),
    environmentId: uuid("environment_id")
      .notNull()
      .references(() => environments.id),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id),
    templateName: text("template_name").notNull(),
    templateVersion: text("template_version").notNull(),
    tier: text("tier").notNull(),
    engine: text("engine").notNull(),
    address: text("address").notNull(),
    resourceType: text("resource_type").notNull(),
    providerId: text("provider_id"),
    region: text("region"),
    hourlyMicros: bigint("hourly_micros", { mode: "number" }).notNull(),
    tags: jsonb("tags").$type<Record<string, string>>().notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
    endedAt: timestamp("ended_at", { withTimezone: true }),
  },
  (t) => [
    // One open record per resource; a rate change closes it and opens the next.
    uniqueIndex("cost_records_open_resource_idx")
      .on(t.resourceId)
      .where(sql`${t.endedAt} is null`),
    index("cost_records_team_period_idx").on(t.teamId, t.startedAt),
    index("cost_records_environment_idx").on(t.environmentId),
    check("cost_records_period_valid", sql`${t.endedAt} is null or ${t.endedAt} >= ${t.startedAt}`),
    check("cost_records_rate_non_negative", sql`${t.hourlyMicros} >= 0`),
  ],
);

export type CostRecord = typeof costRecords.$inferSelect;
export type Environment = typeof environments.$inferSelect;
export type EnvironmentResource = typeof environmentResources.$inferSelect;
export type Run = typeof runs.$inferSelect;

// ─────────────────────────────────────────────────────────────────────────────────────────────
// IaaS simulator (server/engines/sim/cloud): the simulated cloud's OWN inventory and settings.
// The portal never reads these tables to learn what exists; it asks the simulator's API, the
// way it would ask a real cloud. Nothing here references the portal's tables.
// ─────────────────────────────────────────────────────────────────────────────────────────────

/** Every resource the simulated cloud holds (deleted ones stay, with deleted_at). */
export const simResources = pgTable(
  "sim_resources",
  {
    /** The provider id: `i-0a1b2c…`, `vpc-…`, `subnet-…`. */
    id: text("id").primaryKey(),
    account: text("account").notNull(),
    /** Null for global resources (DNS, CDN). */
    region: text("region"),
    type: text("type").notNull(),
    /** The pool (instance group, node pool) an instance belongs to; pools own their members. */
    parentId: text("parent_id"),
    properties: jsonb("properties").$type<Record<string, unknown>>().notNull(),
    attributes: jsonb("attributes").$type<Record<string, unknown>>().notNull().default({}),
    tags: jsonb("tags").$type<Record<string, string>>().notNull().default({}),
    /** Unique among the account's live resources: a retried create finds what it made. */
    idempotencyKey: text("idempotency_key"),
    /** Provider ids this resource's properties refer to (dependency checks on delete). */
    refs: text("refs")
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** active, deleted, or reclaimed (a spot instance taken back). Pending/running is computed from ready_at. */
    status: text("status").$type<"active" | "deleted" | "reclaimed">().notNull().default("active"),
    spot: boolean("spot").notNull().default(false),
    /** Capacity counted against the account's quotas in its region (instances only). */
    vcpus: integer("vcpus").notNull().default(0),
    instances: integer("instances").notNull().default(0),
    gpus: integer("gpus").notNull().default(0),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    /** Booting until then (computed on read, in the database's clock). */
    readyAt: timestamp("ready_at", { withTimezone: true }),
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("sim_resources_idempotency_idx")
      .on(t.account, t.idempotencyKey)
      .where(sql`${t.deletedAt} is null and ${t.idempotencyKey} is not null`),
    // Bucket names are global across accounts, like S3's.
    uniqueIndex("sim_resources_bucket_name_idx")
      .on(sql`(${t.properties}->>'name')`)
      .where(sql`${t.type} = 'bucket' and ${t.deletedAt} is null`),
    index("sim_resources_tags_idx").using("gin", t.tags.op("jsonb_path_ops")),
    index("sim_resources_refs_idx").using("gin", t.refs),
    index("sim_resources_live_idx")
      .on(t.account, t.region, t.type)
      .where(sql`${t.deletedAt} is null`),
    index("sim_resources_parent_idx")
      .on(t.parentId)
      .where(sql`${t.parentId} is not null`),
    check("sim_resources_status", sql`${t.status} in ('active', 'deleted', 'reclaimed')`),
  ],
);

/** Runtime configuration of the simulator (faults, latency, quotas), switchable while it runs. */
export const simSettings = pgTable("sim_settings", {
  name: text("name").primaryKey(),
  config: jsonb("config").$type<Record<string, unknown>>().notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/** One token bucket per account: every process's API calls draw from the same row. */
export const simRateLimits = pgTable("sim_rate_limits", {
  account: text("account").primaryKey(),
  tokens: doublePrecision("tokens").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export type SimResourceRow = typeof simResources.$inferSelect;

/**
 * Signed-in sessions. The session cookie (a JWT) names one row; signing out revokes it, so a copy
 * of the cookie stops working on every web process at once. Rows end with the cookie's lifetime.
 */
export const userSessions = pgTable(
  "user_sessions",
  {
    /** Random, unguessable; kept inside the encrypted session cookie. */
    id: text("id").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [index("user_sessions_user_idx").on(t.userId), index("user_sessions_expires_idx").on(t.expiresAt)],
);

/**
 * Sign-in throttling: one counter per key (`attempts:<address>`, `failures:email:<email>`,
 * `failures:address:<address>`) in fixed one-minute windows, shared by every web process.
 */
export const signInThrottle = pgTable(
  "sign_in_throttle",
  {
    key: text("key").primaryKey(),
    windowStartedAt: timestamp("window_started_at", { withTimezone: true }).notNull(),
    count: integer("count").notNull(),
  },
  (t) => [index("sign_in_throttle_window_idx").on(t.windowStartedAt)],
);

// API tokens (issue 15) ------------------------------------------------------------------------

export const apiTokenKind = pgEnum("api_token_kind", ["personal", "service"]);

/**
 * Personal tokens act as their user (capped by their scopes); service tokens act as a robot user
 * with a role in one team. Only the SHA-256 of the token is stored; the token is shown once.
 */
export const apiTokens = pgTable(
  "api_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    kind: apiTokenKind("kind").notNull(),
    name: text("name").notNull(),
    /** The first characters of the token ("pvo_AbCd1234"), to recognise it in lists. */
    prefix: text("prefix").notNull(),
    /** hex SHA-256 of the whole token. */
    tokenHash: text("token_hash").notNull().unique(),
    /** Personal: the user. Service: the robot user. */
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    /** Service tokens: their team and their role in it. */
    teamId: uuid("team_id").references(() => teams.id, { onDelete: "cascade" }),
    teamRole: membershipRole("team_role"),
    scopes: text("scopes").array().notNull(),
    createdById: uuid("created_by_id")
      .notNull()
      .references(() => users.id),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    lastUsedIp: text("last_used_ip"),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    revokedById: uuid("revoked_by_id").references(() => users.id),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("api_tokens_user_idx").on(t.userId),
    index("api_tokens_team_idx").on(t.teamId),
    check("api_tokens_kind_shape", sql`(${t.kind} = 'service') = (${t.teamId} is not null and ${t.teamRole} is not null)`),
  ],
);

/** Admin settings of the API (one row, id = 1). */
export const apiSettings = pgTable("api_settings", {
  id: integer("id").primaryKey().default(1),
  /** The longest lifetime a new token may have. */
  maxTokenDays: integer("max_token_days").notNull().default(90),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/** `Idempotency-Key` answers of /api/v1 creates, per token: the same key and body replays the stored answer. */
export const apiIdempotencyKeys = pgTable(
  "api_idempotency_keys",
  {
    principal: text("principal").notNull(),
    key: text("key").notNull(),
    route: text("route").notNull(),
    bodyHash: text("body_hash").notNull(),
    /** Null while the first call is still running. */
    status: integer("status"),
    response: jsonb("response"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.principal, t.key] }), index("api_idempotency_created_idx").on(t.createdAt)],
);

/** Token buckets of the API rate limits, shared by every web replica (one UPSERT per call). */
export const apiRateBuckets = pgTable("api_rate_buckets", {
  key: text("key").primaryKey(),
  tokens: doublePrecision("tokens").notNull(),
  allowed: boolean("allowed").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
});

/** Every drift check (issue 13): its verdict, the report (per-resource differences) or why it could not read. */
export const driftChecks = pgTable(
  "drift_checks",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    environmentId: uuid("environment_id")
      .notNull()
      .references(() => environments.id),
    runId: uuid("run_id")
      .unique()
      .references(() => runs.id),
    engine: text("engine").notNull(),
    result: text("result").$type<DriftResult>().notNull(),
    /** `{ resources: ResourceDrift[] }` (server/engines/drift.ts); empty when in sync or failed. */
    report: jsonb("report").$type<{ resources: unknown[] }>().notNull().default({ resources: [] }),
    failureReason: text("failure_reason"),
    fingerprint: text("fingerprint"),
    checkedAt: timestamp("checked_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("drift_checks_environment_idx").on(t.environmentId, t.checkedAt),
    index("drift_checks_checked_idx").on(t.checkedAt),
    check("drift_checks_result_check", sql`${t.result} in ('in_sync', 'drifted', 'failed')`),
  ],
);

// ─────────────────────────────────────────────────────────────────────────────────────────────
// Provisioning SLOs (issue 16)
// ─────────────────────────────────────────────────────────────────────────────────────────────

export const denialRule = pgEnum("denial_rule", denialRules);
export const denialStage = pgEnum("denial_stage", denialStages);

/**
 * A preview or submit the team's quota or hard budget refused: no request exists for it, so this
 * row is what SLI M6 counts. Previews repeat while a user types: one row per user, team, template,
 * tier and rule per 10 minutes (services/slo/denials.ts).
 */
export const sloDenials = pgTable(
  "slo_denials",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    stage: denialStage("stage").notNull(),
    rule: denialRule("rule").notNull(),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    templateName: text("template_name").notNull(),
    tier: text("tier").notNull(),
  },
  (t) => [index("slo_denials_at_idx").on(t.at), index("slo_denials_recent_idx").on(t.userId, t.teamId, t.at)],
);

/**
 * One row per SLO (admins edit them): `success` (runs that succeeded / finished apply runs) and
 * `latency_<tier>` (requests ready within `thresholdSeconds` of being submitted), each an
 * objective over a rolling window of `windowDays`.
 */
export const sloTargets = pgTable(
  "slo_targets",
  {
    key: text("key").primaryKey(),
    objective: doublePrecision("objective").notNull(),
    thresholdSeconds: integer("threshold_seconds"),
    windowDays: integer("window_days").notNull(),
    updatedBy: uuid("updated_by").references(() => users.id),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check("slo_targets_objective_valid", sql`${t.objective} > 0 and ${t.objective} < 1`),
    check("slo_targets_window_valid", sql`${t.windowDays} between 1 and 90`),
  ],
);

/** A fast burn of an SLO's error budget, from when the portal saw it start until it stopped: one open row per SLO (the dedupe). */
export const sloBurnAlerts = pgTable(
  "slo_burn_alerts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    sloKey: text("slo_key").notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
    endedAt: timestamp("ended_at", { withTimezone: true }),
    burnRateLong: doublePrecision("burn_rate_long").notNull(),
    burnRateShort: doublePrecision("burn_rate_short").notNull(),
  },
  (t) => [
    uniqueIndex("slo_burn_alerts_open_idx")
      .on(t.sloKey)
      .where(sql`${t.endedAt} is null`),
  ],
);

/**
 * Terraform: the saved plan a request's environment is applied from (issue 13), one row per plan
 * made. The plan file carries every value (secrets too), so it and its `show -json` are stored
 * sealed (secret-box, context = the row id); `diff` holds only addresses, actions and masked
 * values, for the request page's "plan vs applied". `approved`: the plan to apply; `applied`:
 * applied as saved (`appliedDiff` is what the run reported); `superseded`: replaced by a re-plan
 * with the same diff; `needs_approval`: a re-plan whose diff changed, waiting for a new approval.
 */
export const savedPlans = pgTable(
  "saved_plans",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    requestId: uuid("request_id")
      .notNull()
      .references(() => requests.id),
    environmentId: uuid("environment_id")
      .notNull()
      .references(() => environments.id),
    status: text("status").$type<"approved" | "applied" | "superseded" | "needs_approval">().notNull(),
    planCiphertext: text("plan_ciphertext").notNull(),
    planJsonCiphertext: text("plan_json_ciphertext").notNull(),
    diff: jsonb("diff").notNull(),
    /** What changed against the plan it replaces (one line per resource), for a re-plan. */
    changes: jsonb("changes").$type<string[]>(),
    appliedAt: timestamp("applied_at", { withTimezone: true }),
    appliedSummary: jsonb("applied_summary"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("saved_plans_request_idx").on(t.requestId, t.createdAt)],
);

/**
 * Template files the last sync on start refused (broken YAML, a changed published version…),
 * one row per file with its problems, replaced by every sync: the admin Templates page shows
 * them, so a refused file is not only a console line.
 */
export const templateSyncProblems = pgTable("template_sync_problems", {
  file: text("file").primaryKey(),
  problems: text("problems")
    .array()
    .notNull()
    .default(sql`'{}'::text[]`),
  reportedAt: timestamp("reported_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Finished apply/update/… runs counted per UTC day of `finished_at` and per team, template, tier,
 * engine and failure cause ('' for succeeded runs, 'unknown' for a failed run without one): the
 * SLO dashboards read whole days here and only the partial days at a range's edges from `runs`
 * (server/services/slo/run-outcomes.ts). Kept exact by triggers on runs and environments
 * (migration slo_run_days_triggers), never written by application code.
 */
export const sloRunDays = pgTable(
  "slo_run_days",
  {
    day: date("day").notNull(),
    teamId: uuid("team_id").notNull(),
    templateName: text("template_name").notNull(),
    tier: text("tier").notNull(),
    engine: text("engine").notNull(),
    cause: text("cause").notNull(),
    applySucceeded: integer("apply_succeeded").notNull().default(0),
    applyFailed: integer("apply_failed").notNull().default(0),
    succeeded: integer("succeeded").notNull().default(0),
    failed: integer("failed").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.day, t.teamId, t.templateName, t.tier, t.engine, t.cause] })],
);

/**
 * The histogram bucket of a stage's seconds (from → to, never negative): floor(ln(s) / ln(1.01)),
 * null for zero. The divisor is Math.log(1.01) as JavaScript prints it (time-to-provision.ts
 * BUCKET_RATIO); a generated column cannot read the seconds column, so the expression repeats it.
 */
const bucketOf = (from: string, to: string) => {
  const s = `greatest(0, extract(epoch from (${to} - ${from})))::float8`;
  return sql.raw(`case when ${s} > 0 then floor(ln(${s}) / 0.009950330853168092)::int end`);
};

/**
 * One row per environment that became ready: its team, template, tier, engine and the points of
 * its provisioning timeline (submitted, decided, queued, first apply started, ready), exactly as
 * SLI M2/M10 and the latency SLOs read them (server/services/slo/time-to-provision.ts), so they
 * scan one narrow table instead of joining requests and looking up each environment's runs.
 * Kept by triggers on environments, requests and runs (migration slo_provisions_triggers).
 */
export const sloProvisions = pgTable(
  "slo_provisions",
  {
    environmentId: uuid("environment_id").primaryKey(),
    teamId: uuid("team_id").notNull(),
    templateName: text("template_name").notNull(),
    tier: text("tier").notNull(),
    engine: text("engine").notNull(),
    submittedAt: timestamp("submitted_at", { withTimezone: true }).notNull(),
    decidedAt: timestamp("decided_at", { withTimezone: true }).notNull(),
    queuedAt: timestamp("queued_at", { withTimezone: true }).notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
    readyAt: timestamp("ready_at", { withTimezone: true }).notNull(),
    /** Seconds (never negative) for the percentile histogram. */
    totalSeconds: doublePrecision("total_seconds").generatedAlwaysAs(sql`greatest(0, extract(epoch from (ready_at - submitted_at)))::float8`),
    validationSeconds: doublePrecision("validation_seconds").generatedAlwaysAs(
      sql`greatest(0, extract(epoch from (queued_at - decided_at)))::float8`,
    ),
    approvalWaitSeconds: doublePrecision("approval_wait_seconds").generatedAlwaysAs(
      sql`greatest(0, extract(epoch from (decided_at - submitted_at)))::float8`,
    ),
    queueWaitSeconds: doublePrecision("queue_wait_seconds").generatedAlwaysAs(sql`greatest(0, extract(epoch from (started_at - queued_at)))::float8`),
    applySeconds: doublePrecision("apply_seconds").generatedAlwaysAs(sql`greatest(0, extract(epoch from (ready_at - started_at)))::float8`),
    /** Each stage's 1 %-wide histogram bucket (null at zero seconds), so the histogram is one scan without ln(). */
    totalBucket: integer("total_bucket").generatedAlwaysAs(bucketOf("submitted_at", "ready_at")),
    validationBucket: integer("validation_bucket").generatedAlwaysAs(bucketOf("decided_at", "queued_at")),
    approvalWaitBucket: integer("approval_wait_bucket").generatedAlwaysAs(bucketOf("submitted_at", "decided_at")),
    queueWaitBucket: integer("queue_wait_bucket").generatedAlwaysAs(bucketOf("queued_at", "started_at")),
    applyBucket: integer("apply_bucket").generatedAlwaysAs(bucketOf("started_at", "ready_at")),
  },
  (t) => [index("slo_provisions_ready_idx").on(t.readyAt), index("slo_provisions_tier_ready_idx").on(t.tier, t.readyAt)],
);

/**
 * Fleet rollouts (issue 14): one template moved to a target published version across its
 * environments, a canary batch then batches of a chosen size, halted when a batch's failures pass
 * the threshold. The worker advances it (server/services/fleet-rollout-progress.ts) under a row
 * lock on this row, so no batch starts twice. At most one open rollout per template.
 */
export const fleetRollouts = pgTable(
  "fleet_rollouts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    templateId: uuid("template_id")
      .notNull()
      .references(() => templates.id),
    targetVersionId: uuid("target_version_id")
      .notNull()
      .references(() => templateVersions.id),
    targetVersion: text("target_version").notNull(),
    status: text("status").$type<FleetRolloutStatus>().notNull().default("running"),
    canarySize: integer("canary_size").notNull(),
    batchSize: integer("batch_size").notNull(),
    /** Halt when a batch has more failures than this (null: no count limit). */
    maxFailures: integer("max_failures"),
    /** Halt when a batch's failed share of its attempted updates passes this percentage (null: no share limit). */
    maxFailurePercent: integer("max_failure_percent"),
    /** Updates that need approval: `wait` requests them and the batch waits; `skip` starts them at once (reason required). */
    approvalMode: text("approval_mode").$type<"wait" | "skip">().notNull(),
    approvalSkipReason: text("approval_skip_reason"),
    confirmDestructive: boolean("confirm_destructive").notNull().default(false),
    batchCount: integer("batch_count").notNull(),
    /** The batch under way (0 = the canary). */
    currentBatch: integer("current_batch").notNull().default(0),
    haltReason: text("halt_reason"),
    /** The dry run's totals when it started. */
    totals: jsonb("totals").$type<Record<string, number>>().notNull(),
    createdBy: uuid("created_by")
      .notNull()
      .references(() => users.id),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("fleet_rollouts_open_idx")
      .on(t.templateId)
      .where(sql`${t.status} in ('running', 'paused', 'halted')`),
    check("fleet_rollouts_status", sql`${t.status} in ('running', 'paused', 'halted', 'cancelled', 'finished')`),
  ],
);

export const fleetRolloutTargets = pgTable(
  "fleet_rollout_targets",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    rolloutId: uuid("rollout_id")
      .notNull()
      .references(() => fleetRollouts.id),
    environmentId: uuid("environment_id")
      .notNull()
      .references(() => environments.id),
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id),
    /** Its batch (0 = canary); null when it was skipped before any batch (refused by the dry run). */
    batch: integer("batch"),
    status: text("status").$type<FleetTargetStatus>().notNull().default("pending"),
    /** Why it was skipped or failed. */
    reason: text("reason"),
    fromVersion: text("from_version").notNull(),
    requestId: uuid("request_id").references(() => requests.id),
    /** After a failed update: whether the rollback put it back (null while unknown). */
    rolledBack: boolean("rolled_back"),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("fleet_rollout_targets_env_idx").on(t.rolloutId, t.environmentId),
    index("fleet_rollout_targets_batch_idx").on(t.rolloutId, t.batch),
    check("fleet_rollout_targets_status", sql`${t.status} in ('pending', 'skipped', 'awaiting_approval', 'running', 'succeeded', 'failed')`),
  ],
);

export type FleetRollout = typeof fleetRollouts.$inferSelect;
export type FleetRolloutTarget = typeof fleetRolloutTargets.$inferSelect;

/**
 * Sim-only forced faults (issue 14, for the rollout journey): the next change the sim engine
 * makes to this environment's resources fails, once. Armed by an admin (audited), consumed by the
 * sim engine; no other engine reads it.
 */
export const simArmedFaults = pgTable("sim_armed_faults", {
  environmentId: uuid("environment_id")
    .primaryKey()
    .references(() => environments.id),
  armedBy: uuid("armed_by")
    .notNull()
    .references(() => users.id),
  armedAt: timestamp("armed_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * The executive trend's daily rollup (issue 16): per UTC day and team, how the environments alive
 * and the spend rate change that day, as start (+) and end (−) events:
 * - environments: +1 on the day an environment became ready, −1 on the day it ended (destroyed,
 *   not before ready), so the environments alive at a day's end are the sum up to that day;
 * - rate_micros and rate_seconds: a cost record's hourly rate and rate × its start (epoch
 *   seconds) on its start day, both negated (end time) on its end day, so spend accrued up to t
 *   is t × Σ rate − Σ rate_seconds over the days before t, in exact numeric.
 * Kept exact by triggers on environments and cost_records (migration slo_fleet_days_triggers);
 * read by server/services/slo/executive.ts, never written by application code.
 */
export const sloFleetDays = pgTable(
  "slo_fleet_days",
  {
    day: date("day").notNull(),
    teamId: uuid("team_id").notNull(),
    environments: integer("environments").notNull().default(0),
    rateMicros: numeric("rate_micros").notNull().default("0"),
    rateSeconds: numeric("rate_seconds").notNull().default("0"),
    // Which of 16 rows of the day and team a writer adds to (its backend pid mod 16): with one row,
    // every transaction recording a team's cost or readiness queued on that row's lock until the
    // others committed (the fleet's largest wait). Readers sum the shards.
    shard: smallint("shard").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.day, t.teamId, t.shard] })],
);

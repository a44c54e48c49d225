import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

export const globalRole = pgEnum("global_role", ["admin", "auditor"]);
export const membershipRole = pgEnum("membership_role", ["member", "approver"]);

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
    lastSignInAt: timestamp("last_sign_in_at", { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("users_email_lower_idx").on(sql`lower(${t.email})`),
    check("users_email_shape", sql`position('@' in ${t.email}) > 1`),
  ],
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
    check("template_versions_published_complete", sql`${t.status} = 'draft' OR (${t.document} IS NOT NULL AND ${t.contentHash} IS NOT NULL AND ${t.publishedAt} IS NOT NULL)`),
  ],
);

export type Template = typeof templates.$inferSelect;
export type TemplateVersion = typeof templateVersions.$inferSelect;

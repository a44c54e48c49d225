/**
 * DESIGN.md, Engines: every resource any engine creates carries the mandatory tags. Each
 * shipped template of the sim and postgres engines is provisioned at its defaults, and what the
 * engine itself reports (not our records) is checked for every mandatory tag with its real value.
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { environments, requests, teams, templateVersions } from "~/db/schema";
import type { Engine } from "~/server/engines/engine";
import { createPostgresEngine, type PostgresEngine } from "~/server/engines/postgres/engine";
import { quietSimConfig } from "~/server/engines/sim/cloud";
import { createSimEngine, type SimEngine } from "~/server/engines/sim/engine";
import { syncTemplates } from "~/server/services/template-sync";
import { mandatoryTagKeys } from "~/server/templates/format";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";
import { executeRun } from "./execute";
import { startApply } from "./start-apply";

let db: Database;
let sim: SimEngine;
let postgres: PostgresEngine;
let teamId: string;
let ownerEmail: string;
let dev: Awaited<ReturnType<typeof callerFor>>;
const engines = (name: string): Engine => (name === "postgres" ? postgres : sim);

beforeAll(async () => {
  let url: string;
  ({ db, url } = await createTestDatabase());
  await syncTemplates(db, path.resolve(import.meta.dirname, "../../templates"));
  sim = createSimEngine({ db, config: quietSimConfig });
  postgres = createPostgresEngine({ adminUrl: url });
  const user = await makeUser(db);
  ownerEmail = user.email;
  teamId = (await makeTeam(db, [{ userId: user.id, role: "member" }])).id;
  await db.update(teams).set({ monthlyBudgetCents: 10_000_000 }).where(eq(teams.id, teamId));
  dev = await callerFor(db, user.id);
});
afterAll(async () => {
  await postgres.close();
});

const templatesByEngine = {
  sim: ["bastion-host", "ci-runner-pool", "gpu-training-box", "k8s-node-pool", "redis-cache", "spot-batch-pool", "static-site", "web-service"],
  postgres: ["postgres-dev"],
};

describe.each(Object.entries(templatesByEngine).flatMap(([engine, names]) => names.map((name) => ({ engine, name }))))(
  "$name ($engine)",
  ({ engine, name }) => {
    it("creates every resource with every mandatory tag, carrying the environment's real values", async () => {
      // Defaults where the template has them; its documented example for required values.
      const detail = await dev.catalog.get({ name });
      const parameters: Record<string, string | number | boolean> = {};
      for (const p of detail.latest!.document.spec.parameters) {
        if (p.default !== undefined) continue;
        parameters[p.name] = p.example ?? (p.name === "database_name" ? "tags_check" : "tags-check");
      }
      const { id: requestId } = await dev.requests.submit({
        teamId,
        templateName: name,
        tier: "dev",
        environmentName: `tags-${randomUUID().slice(0, 6)}`,
        ttlHours: 24,
        parameters,
        justification: "Every resource must carry the mandatory tags",
        clientRequestId: randomUUID(),
      });
      const runId = await startApply(db, requestId);
      expect(await executeRun(db, runId!, { workerId: "tags-test", engines })).toBe("succeeded");
      const [environment] = await db.select().from(environments).where(eq(environments.requestId, requestId));
      const [request] = await db.select().from(requests).where(eq(requests.id, requestId));
      const [version] = await db.select().from(templateVersions).where(eq(templateVersions.id, environment!.templateVersionId));
      const [team] = await db.select().from(teams).where(eq(teams.id, teamId));

      const reported = await engines(engine).read({ environmentId: environment!.id, signal: new AbortController().signal });
      expect(reported.length).toBeGreaterThan(0);
      const expected = {
        "environment-id": environment!.id,
        "request-id": request!.id,
        team: team!.slug,
        owner: ownerEmail,
        tier: "dev",
        template: name,
        "template-version": version!.version,
        "cost-center": team!.costCenter,
        "expires-at": environment!.expiresAt.toISOString(),
        "managed-by": "provisio",
      };
      expect(Object.keys(expected).sort()).toEqual([...mandatoryTagKeys].sort());
      for (const resource of reported)
        expect({ address: resource.address, tags: resource.tags }).toEqual({ address: resource.address, tags: expect.objectContaining(expected) });
    });
  },
);

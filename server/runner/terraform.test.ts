/**
 * Provisioning terraform templates through the runner with the real CLI: a request of the shipped
 * example becomes a ready environment whose resources (one row per resource in Terraform's state,
 * plus the module call) carry the tags and hourly cost and open cost records; its outputs come
 * from the state's `show -json`; destroy removes everything and closes the records. A module that
 * fails gets a clear failure and is cleaned up. Skipped, saying so, without a terraform binary.
 */
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { and, eq, isNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { costRecords, environmentResources, environments, requests, runEvents } from "~/db/schema";
import { createTerraformEngine, type TerraformEngine } from "~/server/engines/terraform/engine";
import { cliBinary, skipMessage } from "~/server/engines/terraform/test-support";
import { syncTemplates } from "~/server/services/template-sync";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";
import { queueDestroy } from "~/server/runs/queue-destroy";
import { createRun } from "~/server/runs/store";
import { executeRun } from "./execute";
import { startApply } from "./start-apply";

if (!cliBinary.ok) console.log(skipMessage);

describe.skipIf(!cliBinary.ok)("provisioning a terraform template (real CLI)", () => {
  let db: Database;
  let engine: TerraformEngine;
  let workDir: string;
  let teamId: string;
  let dev: Awaited<ReturnType<typeof callerFor>>;
  const engines = () => engine;

  beforeAll(async () => {
    const created = await createTestDatabase();
    db = created.db;
    await syncTemplates(db, path.resolve(import.meta.dirname, "../../templates"));
    const user = await makeUser(db);
    teamId = (await makeTeam(db, [{ userId: user.id, role: "member" }])).id;
    dev = await callerFor(db, user.id);
    workDir = await mkdtemp(path.join(os.tmpdir(), "provisio-tf-runner-"));
    engine = createTerraformEngine({ workDir, stateUrl: created.url, stateSchema: "provisio_terraform_state", lockTimeoutSeconds: 30 });
  });
  afterAll(async () => {
    await engine.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it("applies the example, records its resources with tags and cost, and destroys it", async () => {
    const { id: requestId, status } = await dev.requests.submit({
      teamId,
      templateName: "event-queue-terraform",
      tier: "dev",
      environmentName: `tf-${randomUUID().slice(0, 6)}`,
      ttlHours: 24,
      parameters: { queue_name: "orders-created", idempotency_table: true },
      justification: "Runner test with the real Terraform CLI",
      clientRequestId: randomUUID(),
    });
    expect(status).toBe("queued");
    const runId = await startApply(db, requestId);
    expect(await executeRun(db, runId!, { workerId: "test-worker", engines })).toBe("succeeded");

    const [environment] = await db.select().from(environments).where(eq(environments.requestId, requestId));
    expect(environment?.status).toBe("ready");
    expect(environment?.outputs).toEqual({
      queue_url: "https://sqs.us-east-1.amazonaws.com/000000000000/orders-created",
      queue_arn: "arn:aws:sqs:us-east-1:000000000000:orders-created",
      dead_letter_queue_url: "https://sqs.us-east-1.amazonaws.com/000000000000/orders-created-dlq",
      dead_letter_queue_arn: "arn:aws:sqs:us-east-1:000000000000:orders-created-dlq",
    });
    const rows = await db.select().from(environmentResources).where(eq(environmentResources.environmentId, environment!.id));
    expect(rows.map((r) => `${r.address} ${r.type} ${r.status}`).sort()).toEqual([
      "module.queue module ready",
      "module.queue.terraform_data.dead_letter_queue terraform_data ready",
      "module.queue.terraform_data.queue terraform_data ready",
      "terraform_data.idempotency[0] terraform_data ready",
    ]);
    const [request] = await db.select().from(requests).where(eq(requests.id, requestId));
    // The recorded hourly cost is what the request was estimated at (terraform_data itself is free).
    expect(rows.reduce((sum, r) => sum + r.hourlyMicros, 0)).toBe(request?.hourlyMicros);
    for (const r of rows)
      expect(r.tags).toMatchObject({
        "environment-id": environment!.id,
        "request-id": requestId,
        "managed-by": "provisio",
        template: "event-queue-terraform",
        queue: "orders-created",
      });
    const open = await db
      .select()
      .from(costRecords)
      .where(and(eq(costRecords.environmentId, environment!.id), isNull(costRecords.endedAt)));
    expect(open).toHaveLength(4);
    expect(open.find((c) => c.address === "module.queue")).toMatchObject({
      engine: "terraform",
      resourceType: "module",
      region: "us-east-1",
      hourlyMicros: rows.find((r) => r.address === "module.queue")?.hourlyMicros,
    });
    const log = (await db.select().from(runEvents).where(eq(runEvents.runId, runId!))).map((e) => e.message);
    expect(log).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Terraform \d+\.\d+\.\d+: workspace env-/),
        "Plan: 3 to add, 0 to change, 0 to destroy.",
        "Apply complete! Resources: 3 added, 0 changed, 0 destroyed.",
        "Apply finished: 4 resources ready",
      ]),
    );

    // An extension's update run applies the new expires-at through Terraform: the resources carry it, and so do our rows.
    const later = new Date(environment!.expiresAt.getTime() + 48 * 3_600_000);
    await db.update(environments).set({ expiresAt: later }).where(eq(environments.id, environment!.id));
    const updateRun = (await db.transaction((tx) => createRun(tx, { environmentId: environment!.id, kind: "update" })))?.id;
    expect(await executeRun(db, updateRun!, { workerId: "test-worker", engines })).toBe("succeeded");
    const updated = await db
      .select()
      .from(environmentResources)
      .where(and(eq(environmentResources.environmentId, environment!.id), eq(environmentResources.status, "ready")));
    expect(updated.map((r) => r.tags["expires-at"])).toEqual(updated.map(() => later.toISOString()));
    const queueRow = updated.find((r) => r.address === "module.queue.terraform_data.queue");
    expect((queueRow?.attributes.input as { tags: Record<string, string> }).tags["expires-at"]).toBe(later.toISOString());
    const updateLog = (await db.select().from(runEvents).where(eq(runEvents.runId, updateRun!))).map((e) => e.message);
    expect(updateLog).toEqual(expect.arrayContaining(["Apply complete! Resources: 0 added, 3 changed, 0 destroyed."]));

    const destroyRun = await queueDestroy(db, environment!.id, "test");
    expect(await executeRun(db, destroyRun!, { workerId: "test-worker", engines })).toBe("succeeded");
    const [gone] = await db.select().from(environments).where(eq(environments.id, environment!.id));
    expect(gone?.status).toBe("destroyed");
    const after = await db.select().from(environmentResources).where(eq(environmentResources.environmentId, environment!.id));
    expect(after.every((r) => r.status === "deleted")).toBe(true);
    expect(
      await db
        .select()
        .from(costRecords)
        .where(and(eq(costRecords.environmentId, environment!.id), isNull(costRecords.endedAt))),
    ).toEqual([]);
    expect(await engine.read({ environmentId: environment!.id, signal: new AbortController().signal })).toEqual([]);
    const destroyLog = (await db.select().from(runEvents).where(eq(runEvents.runId, destroyRun!))).map((e) => e.message);
    expect(destroyLog).toEqual(
      expect.arrayContaining(["Destroy complete! Resources: 3 destroyed.", expect.stringMatching(/^Workspace env-.* deleted/)]),
    );
  });

  it("fails a run whose module gets a value of the wrong type with Terraform's own words, and cleans up", async () => {
    const dir = path.join(workDir, "templates");
    await mkdir(path.join(dir, "tf-wrong-type", "module"), { recursive: true });
    await writeFile(
      path.join(dir, "tf-wrong-type", "template.yaml"),
      `apiVersion: provisio.dev/v1
kind: Template
metadata:
  name: tf-wrong-type
  title: Wrong type
  description: A module that wants a number and gets a word.
  category: compute
  owner: Platform team
spec:
  version: 1.0.0
  engine: terraform
  tiers: [dev]
  parameters:
    - name: size
      title: Size
      type: string
      pattern: "^[a-z]+$"
      default: large
  resources:
    - id: box
      type: module
      properties:
        source: ./module
        inputs:
          size: \${params.size}
  policy:
    ttl:
      dev: { default: 1d, max: 7d }
    approvals:
      dev: []
`,
    );
    await writeFile(
      path.join(dir, "tf-wrong-type", "module", "main.tf"),
      'variable "tags" {\n  type    = map(string)\n  default = {}\n}\n\nvariable "size" {\n  type = number\n}\n\nresource "terraform_data" "box" {\n  input = { size = var.size, tags = var.tags }\n}\n',
    );
    expect((await syncTemplates(db, dir, dir)).errors).toEqual([]);
    const { id: requestId } = await dev.requests.submit({
      teamId,
      templateName: "tf-wrong-type",
      tier: "dev",
      environmentName: `tf-${randomUUID().slice(0, 6)}`,
      ttlHours: 24,
      parameters: {},
      justification: "Runner test of a module that fails",
      clientRequestId: randomUUID(),
    });
    const runId = await startApply(db, requestId);
    expect(await executeRun(db, runId!, { workerId: "test-worker", engines })).toBe("failed");
    const [environment] = await db.select().from(environments).where(eq(environments.requestId, requestId));
    expect(environment?.status).toBe("failed");
    expect(environment?.failureSummary).toMatch(
      /^terraform plan failed: Invalid value for input variable: .*module\.box\.var\.size.*a number is required.*Cleaned up: 0 resources destroyed\.$/,
    );
    expect(await engine.read({ environmentId: environment!.id, signal: new AbortController().signal })).toEqual([]);
  });
});

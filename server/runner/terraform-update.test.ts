/**
 * Day-2 changes of a terraform environment through the update service and the runner, with the
 * real CLI: a resize is an update in place (same ids), a change that forces a replacement makes
 * the new resource before the old one goes (create_before_destroy), and an update that fails half
 * way (a provisioner of a new resource fails after another resource was changed) is rolled back
 * by the rollback run to the previous parameters, the state and our rows the same set, each once.
 * Skipped, saying so, without a terraform binary.
 */
process.env.NEXTAUTH_SECRET ??= "terraform-update-test-secret-0123456789";
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { auditEvents, environmentResources, environments, requests, runEvents, runs } from "~/db/schema";
import { createTerraformEngine, type TerraformEngine } from "~/server/engines/terraform/engine";
import { cliBinary, skipMessage } from "~/server/engines/terraform/test-support";
import { syncTemplates } from "~/server/services/template-sync";
import { requestUpdate } from "~/server/services/updates";
import { loadViewer, type Viewer } from "~/server/services/users";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";
import { executeRun } from "./execute";
import { startApply } from "./start-apply";

if (!cliBinary.ok) console.log(skipMessage);

const template = (faultFile: string) => `apiVersion: provisio.dev/v1
kind: Template
metadata:
  name: tf-day2
  title: Day-2 test box
  description: A server resized in place, a disk replaced create-before-destroy, replicas that can be made to fail.
  category: compute
  owner: Platform team
spec:
  version: 1.0.0
  engine: terraform
  tiers: [dev]
  parameters:
    - { name: size, title: Size, type: integer, minimum: 1, maximum: 8, default: 1 }
    - { name: generation, title: Disk generation, type: integer, minimum: 1, maximum: 9, default: 1 }
    - { name: replicas, title: Replicas, type: integer, minimum: 1, maximum: 3, default: 1 }
  resources:
    - id: box
      type: module
      properties:
        source: ./module
        inputs:
          size: \${params.size}
          generation: \${params.generation}
          replicas: \${params.replicas}
          fault_file: ${faultFile}
  outputs:
    - name: server_size
      title: Server size
      value: \${resources.box.server_size}
  policy:
    ttl:
      dev: { default: 1d, max: 7d }
    approvals:
      dev: []
`;

// The server changes in place; a new disk generation replaces the disk, the new one made first;
// a replica's provisioner fails while the fault file exists (provisioners run on create only).
const moduleSource = `variable "tags" {
  type    = map(string)
  default = {}
}
variable "size" { type = number }
variable "generation" { type = number }
variable "replicas" { type = number }
variable "fault_file" { type = string }

resource "terraform_data" "server" {
  input = { size = var.size, tags = var.tags }
}

resource "terraform_data" "disk" {
  triggers_replace = [var.generation]
  input            = { generation = var.generation, tags = var.tags }
  lifecycle {
    create_before_destroy = true
  }
}

resource "terraform_data" "replica" {
  count = var.replicas
  input = { index = count.index, tags = var.tags }
  provisioner "local-exec" {
    command = "test ! -e '\${var.fault_file}'"
  }
}

output "server_size" {
  value = terraform_data.server.output.size
}
`;

describe.skipIf(!cliBinary.ok)("day-2 changes of a terraform environment (real CLI)", () => {
  let db: Database;
  let engine: TerraformEngine;
  let workDir: string;
  let faultFile: string;
  let teamId: string;
  let owner: Viewer;
  const runner = { workerId: "test-worker", engines: () => engine, retry: { attempts: 1, baseMs: 1, maxMs: 1 } };

  beforeAll(async () => {
    const created = await createTestDatabase();
    db = created.db;
    workDir = await mkdtemp(path.join(os.tmpdir(), "provisio-tf-update-"));
    faultFile = path.join(workDir, "replicas-fail");
    const dir = path.join(workDir, "templates");
    await mkdir(path.join(dir, "tf-day2", "module"), { recursive: true });
    await writeFile(path.join(dir, "tf-day2", "template.yaml"), template(faultFile));
    await writeFile(path.join(dir, "tf-day2", "module", "main.tf"), moduleSource);
    expect((await syncTemplates(db, dir, dir)).errors).toEqual([]);
    const user = await makeUser(db);
    teamId = (await makeTeam(db, [{ userId: user.id, role: "member" }])).id;
    owner = (await loadViewer(db, user.id))!;
    engine = createTerraformEngine({ workDir, stateUrl: created.url, stateSchema: "provisio_terraform_state", lockTimeoutSeconds: 30 });
  });
  afterAll(async () => {
    await engine?.close();
    await rm(workDir, { recursive: true, force: true });
  });

  /** A ready tf-day2 environment (dev: auto-approved). */
  async function readyBox() {
    const api = await callerFor(db, owner.id);
    const { id: requestId } = await api.requests.submit({
      teamId,
      templateName: "tf-day2",
      tier: "dev",
      environmentName: `tf-${randomUUID().slice(0, 6)}`,
      ttlHours: 24,
      parameters: {},
      justification: "Day-2 changes with the real Terraform CLI",
      clientRequestId: randomUUID(),
    });
    const runId = await startApply(db, requestId);
    expect(await executeRun(db, runId!, runner)).toBe("succeeded");
    const [environment] = await db.select().from(environments).where(eq(environments.requestId, requestId));
    return environment!;
  }

  /** Requests the change (auto-approved) and runs the update run it queued. */
  async function update(environmentId: string, parameters: Record<string, number>) {
    const change = await requestUpdate(db, owner, { environmentId, parameters, justification: "a day-2 change", clientRequestId: randomUUID() });
    expect(change.status).toBe("queued");
    const [run] = await db
      .select()
      .from(runs)
      .where(and(eq(runs.environmentId, environmentId), eq(runs.kind, "update"), inArray(runs.status, ["queued", "running"])));
    return { change, runId: run!.id, outcome: await executeRun(db, run!.id, runner) };
  }

  /** Our ready rows and terraform's state: the same resources, each once; by address. */
  async function inventory(environmentId: string) {
    const rows = await db
      .select()
      .from(environmentResources)
      .where(and(eq(environmentResources.environmentId, environmentId), eq(environmentResources.status, "ready")));
    const state = await engine.read({ environmentId, signal: new AbortController().signal });
    expect(rows.map((r) => r.address).sort()).toEqual(state.map((s) => s.address).sort());
    expect(new Set(rows.map((r) => r.address)).size).toBe(rows.length);
    return new Map(rows.map((r) => [r.address, r]));
  }

  const input = (row: { attributes: Record<string, unknown> } | undefined) => row?.attributes.input as Record<string, unknown> | undefined;
  const logOf = async (runId: string) => (await db.select().from(runEvents).where(eq(runEvents.runId, runId))).map((e) => e.message);

  it("resizes in place: the same resource with the new size, the environment on the new parameters", async () => {
    const env = await readyBox();
    const before = await inventory(env.id);
    const { outcome, runId, change } = await update(env.id, { size: 4 });
    expect(outcome).toBe("succeeded");
    expect(await logOf(runId)).toContainEqual(expect.stringMatching(/^Apply complete! Resources: 0 added, 1 changed, 0 destroyed\.$/));
    const after = await inventory(env.id);
    const server = after.get("module.box.terraform_data.server");
    expect(server?.providerId).toBe(before.get("module.box.terraform_data.server")?.providerId);
    expect(input(server)?.size).toBe(4);
    const [row] = await db.select().from(environments).where(eq(environments.id, env.id));
    expect(row).toMatchObject({ status: "ready", parameters: expect.objectContaining({ size: 4 }), outputs: { server_size: "4" } });
    const [request] = await db.select({ status: requests.status }).from(requests).where(eq(requests.id, change.requestId));
    expect(request?.status).toBe("applied");
  });

  it("replaces create-before-destroy: a new disk under the same address, the old one gone, nothing else touched", async () => {
    const env = await readyBox();
    const before = await inventory(env.id);
    const { outcome, runId } = await update(env.id, { generation: 2 });
    expect(outcome).toBe("succeeded");
    const log = await logOf(runId);
    expect(log).toContainEqual("Apply complete! Resources: 1 added, 0 changed, 1 destroyed.");
    // Terraform's own order for create_before_destroy: the new disk is made, then the old one destroyed.
    const created = log.findIndex((m) => /terraform_data\.disk.*Creation complete/.test(m));
    const destroyed = log.findIndex((m) => /terraform_data\.disk.*Destruction complete/.test(m));
    expect(log).toContain("module.box.terraform_data.disk: Plan to replace");
    expect(created).toBeGreaterThanOrEqual(0);
    expect(destroyed).toBeGreaterThan(created);
    const after = await inventory(env.id);
    const disk = after.get("module.box.terraform_data.disk");
    expect(disk?.providerId).not.toBe(before.get("module.box.terraform_data.disk")?.providerId);
    expect(input(disk)?.generation).toBe(2);
    expect(after.size).toBe(before.size);
    for (const address of ["module.box.terraform_data.server", "module.box.terraform_data.replica[0]"])
      expect(after.get(address)?.providerId).toBe(before.get(address)?.providerId);
  });

  it("rolls a failure half way back: the changed server is back, the half-made replica gone, no orphan, no duplicate", async () => {
    const env = await readyBox();
    const before = await inventory(env.id);
    await writeFile(faultFile, "fail\n");
    try {
      // The server is resized in place; the second replica's provisioner fails.
      const { outcome, change, runId } = await update(env.id, { size: 2, replicas: 2 });
      expect(outcome).toBe("failed");
      // Half updated: terraform changed the server before the replica failed, and the failed replica is in its state and our rows.
      const log = await logOf(runId);
      expect(log).toContainEqual(expect.stringMatching(/^module\.box\.terraform_data\.server: Modifications complete/));
      expect(log).toContainEqual(expect.stringMatching(/^module\.box\.terraform_data\.replica\[1\]: Creation errored/));
      expect((await inventory(env.id)).has("module.box.terraform_data.replica[1]")).toBe(true);
      const [request] = await db.select({ status: requests.status }).from(requests).where(eq(requests.id, change.requestId));
      expect(request?.status).toBe("failed");
      const [rollback] = await db
        .select()
        .from(runs)
        .where(and(eq(runs.environmentId, env.id), eq(runs.kind, "rollback"), eq(runs.status, "queued")));
      expect(rollback).toBeDefined();
      const result = await executeRun(db, rollback!.id, runner);
      const [done] = await db.select({ error: runs.error }).from(runs).where(eq(runs.id, rollback!.id));
      expect({ result, error: done?.error }).toEqual({ result: "succeeded", error: null });
    } finally {
      await rm(faultFile, { force: true });
    }
    const after = await inventory(env.id);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    expect(input(after.get("module.box.terraform_data.server"))?.size).toBe(1);
    for (const [address, row] of after) {
      expect(row.providerId).toBe(before.get(address)?.providerId);
      expect(row.tags["environment-id"]).toBe(env.id);
    }
    const replicas = await db
      .select()
      .from(environmentResources)
      .where(and(eq(environmentResources.environmentId, env.id), eq(environmentResources.address, "module.box.terraform_data.replica[1]")));
    expect(replicas.map((r) => r.status)).toEqual(replicas.length ? ["deleted"] : []);
    const [row] = await db.select().from(environments).where(eq(environments.id, env.id));
    expect(row?.status).toBe("ready");
    expect(row?.parameters).toBeNull();
    expect(row?.failureSummary).toMatch(
      /^Update to 1\.0\.0 failed: .*Rolled back to 1\.0\.0: \d+ resources restored from the previous configuration\.$/s,
    );
    const actions = (await db.select().from(auditEvents).where(eq(auditEvents.subjectId, env.id))).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(["environment.update_failed", "environment.rolled_back"]));
  });
});

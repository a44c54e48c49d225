/**
 * Terraform templates in the catalog and the request flow: unavailable (and refused on submit,
 * naming the cause) without a CLI; with one, a real plan of the form's values and of a submitted
 * request, priced from the plan, visible only to who may read the request.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { TRPCError } from "@trpc/server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { overrideEngineAvailability } from "~/server/engines/registry";
import { createTerraformEngine, type TerraformEngine } from "~/server/engines/terraform/engine";
import { cliBinary, skipMessage } from "~/server/engines/terraform/test-support";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";
import { listCatalog } from "./catalog";
import { planTerraformDraft, planTerraformRequest } from "./terraform-plans";
import { syncTemplates } from "./template-sync";
import { loadViewer, type Viewer } from "./users";

let db: Database;
let url: string;
let teamId: string;
let viewer: Viewer;
let outsider: Viewer;
let dev: Awaited<ReturnType<typeof callerFor>>;

beforeAll(async () => {
  ({ db, url } = await createTestDatabase());
  await syncTemplates(db, path.resolve(import.meta.dirname, "../../templates"));
  const user = await makeUser(db);
  const other = await makeUser(db);
  teamId = (await makeTeam(db, [{ userId: user.id, role: "member" }])).id;
  await makeTeam(db, [{ userId: other.id, role: "member" }]);
  viewer = (await loadViewer(db, user.id))!;
  outsider = (await loadViewer(db, other.id))!;
  dev = await callerFor(db, user.id);
});
afterEach(() => overrideEngineAvailability("terraform", null));

const draft = (environmentName: string) => ({
  templateName: "event-queue-terraform",
  tier: "staging" as const,
  environmentName,
  ttlHours: 48,
  parameters: { queue_name: "payments-settled", queue_type: "fifo", expected_million_requests: 20 },
});

describe("without a terraform binary", () => {
  const reason =
    "Terraform templates cannot run on this server: no terraform or tofu binary on PATH: install Terraform (1.4 or newer) or OpenTofu, or set PROVISIO_TERRAFORM_BIN.";

  it("marks terraform templates unavailable in the catalog, with the reason", async () => {
    overrideEngineAvailability("terraform", { available: false, reason });
    const catalog = await listCatalog(db);
    expect(catalog.find((t) => t.name === "event-queue-terraform")?.unavailableReason).toBe(reason);
    expect(catalog.find((t) => t.name === "web-service")?.unavailableReason).toBeNull();
  });

  it("refuses to submit a terraform request, naming the cause, and records nothing", async () => {
    overrideEngineAvailability("terraform", { available: false, reason });
    const error = await dev.requests
      .submit({ ...draft("tf-refused"), teamId, justification: "Needs a queue for settlements", clientRequestId: randomUUID() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).code).toBe("BAD_REQUEST");
    expect((error as TRPCError).message).toBe(`This template cannot be requested here: ${reason}`);
    expect((await dev.requests.list({})).requests.map((r) => r.environmentName)).not.toContain("tf-refused");
  });
});

describe("capabilities, not engine names", () => {
  it("the catalog, the request page and the approvals inbox say whether a template's engine has a plan preview", async () => {
    overrideEngineAvailability("terraform", { available: true });
    const catalog = await listCatalog(db);
    expect(catalog.find((t) => t.name === "event-queue-terraform")).toMatchObject({
      engineTitle: "Terraform",
      engineCapabilities: { apply: "whole-environment", planPreview: true, driftRead: true },
    });
    expect(catalog.find((t) => t.name === "web-service")).toMatchObject({
      engineTitle: "IaaS simulator",
      engineCapabilities: { apply: "per-resource", planPreview: false, driftRead: true },
    });
    const submitted = await dev.requests.submit({
      ...draft("tf-capabilities"),
      teamId,
      justification: "Needs a queue for settlements",
      clientRequestId: randomUUID(),
    });
    expect((await dev.requests.get({ requestId: submitted.id })).template.engineCapabilities.planPreview).toBe(true);
    const admin = await callerFor(db, (await makeUser(db, { globalRole: "admin" })).id);
    expect((await admin.approvals.inbox()).find((i) => i.id === submitted.id)?.engineCapabilities.planPreview).toBe(true);
  });
});

if (!cliBinary.ok) console.log(skipMessage);

describe.skipIf(!cliBinary.ok)("terraform plan previews (real CLI)", () => {
  let engine: TerraformEngine;
  let workDir: string;
  beforeAll(async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), "provisio-tf-plans-"));
    engine = createTerraformEngine({ workDir, stateUrl: url, stateSchema: "provisio_terraform_state", lockTimeoutSeconds: 30 });
  });
  afterAll(async () => {
    await engine.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it("plans the form's values: changes with actions and the cost priced from the plan", async () => {
    const plan = await planTerraformDraft(db, viewer, teamId, draft("tf-preview"), engine);
    expect(plan.templateVersion).toBe("1.0.0");
    expect(plan.summary).toEqual({ create: 2, update: 0, replace: 0, delete: 0 });
    expect(plan.changes.map((c) => [c.action, c.address, c.hourlyMicros])).toEqual([
      ["create", "module.queue.terraform_data.dead_letter_queue", 0],
      ["create", "module.queue.terraform_data.queue", 0],
    ]);
    // 20 million FIFO requests at $0.50 per million: the usage the template declares for the module call.
    expect(plan.cost).toMatchObject({ monthlyCents: 1000, unpriced: [], lines: [{ address: "module.queue", monthlyCents: 1000 }] });
    expect(plan.outputs.map((o) => o.name)).toEqual(["dead_letter_queue_arn", "dead_letter_queue_url", "queue_arn", "queue_url"]);
  });

  it("plans a submitted request for its team, and answers not found to anyone else", async () => {
    const submitted = await dev.requests.submit({
      ...draft("tf-submitted"),
      teamId,
      justification: "Needs a queue for settlements",
      clientRequestId: randomUUID(),
    });
    expect(submitted.status).toBe("pending_approval");
    const plan = await planTerraformRequest(db, viewer, submitted.id, engine);
    expect(plan.summary.create).toBe(2);
    await expect(planTerraformRequest(db, outsider, submitted.id, engine)).rejects.toMatchObject({ kind: "not_found" });
  });

  it("refuses a template whose engine has no plan preview", async () => {
    await expect(
      planTerraformDraft(
        db,
        viewer,
        teamId,
        { templateName: "bastion-host", tier: "dev", environmentName: "bastion", ttlHours: 24, parameters: { allowed_cidr: "203.0.113.7/32" } },
        engine,
      ),
    ).rejects.toMatchObject({ kind: "invalid", message: expect.stringContaining("bastion-host has no plan preview") });
  });
});

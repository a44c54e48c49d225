/**
 * The terraform engine with the real CLI against the test run's PostgreSQL (the pg backend):
 * plan previews, apply, outputs, tags, destroy, two runs on one workspace, a killed apply, and
 * the errors a user gets for a broken module, a wrongly typed variable and a missing binary.
 * Runs whenever a terraform or tofu binary is on PATH (or PROVISIO_TERRAFORM_BIN); says so otherwise.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "~/testing/db";
import { EngineError, type EngineContext, type RunLogEvent } from "../engine";
import { derivedSecret } from "~/server/core/secret-box";
import { createTerraformEngine, stateRoleName, type TerraformEngine, type TerraformEngineOptions } from "./engine";
import { catalogTemplate, cliBinary, inlineTemplate, moduleTemplateYaml, skipMessage, slowTemplate, specFor } from "./test-support";

if (!cliBinary.ok) console.log(skipMessage);

const mandatory = [
  "environment-id",
  "request-id",
  "team",
  "owner",
  "tier",
  "template",
  "template-version",
  "cost-center",
  "expires-at",
  "managed-by",
];

describe.skipIf(!cliBinary.ok)("terraform engine (real CLI, pg backend)", () => {
  let workDir: string;
  let stateUrl: string;
  let options: TerraformEngineOptions;
  let engine: TerraformEngine;
  const engines: TerraformEngine[] = [];
  const make = (extra: Partial<TerraformEngineOptions> = {}) => {
    const e = createTerraformEngine({ ...options, ...extra });
    engines.push(e);
    return e;
  };

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), "provisio-tf-test-"));
    stateUrl = (await createTestDatabase()).url;
    options = { workDir, stateUrl, stateSchema: "provisio_terraform_state", lockTimeoutSeconds: 60 };
    engine = make();
  });
  afterAll(async () => {
    await Promise.all(engines.map((e) => e.close()));
    await rm(workDir, { recursive: true, force: true });
  });

  function context(environmentId: string) {
    const events: RunLogEvent[] = [];
    const controller = new AbortController();
    const ctx: EngineContext = { environmentId, log: (e) => void events.push(e), signal: controller.signal };
    return { ctx, events, controller };
  }

  async function stateRows(name: string) {
    const client = new pg.Client(stateUrl);
    await client.connect();
    try {
      return (await client.query<{ name: string; data: string }>("select name, data from provisio_terraform_state.states where name = $1", [name]))
        .rows;
    } finally {
      await client.end();
    }
  }

  it("lets the CLI's database role touch the state rows and nothing else of the portal's database", async () => {
    const template = await catalogTemplate("event-queue-terraform");
    const spec = specFor(template, { parameters: { queue_name: "role-check", idempotency_table: false, expected_million_requests: 1 } });
    const { ctx, events } = context(spec.environmentId);
    await engine.applyAll(ctx, spec);
    const admin = new pg.Client(stateUrl);
    await admin.connect();
    const database = (await admin.query<{ db: string }>("select current_database() as db")).rows[0]!.db;
    await admin.end();
    const role = stateRoleName(database);
    expect(events.map((e) => e.message).join("\n")).toContain(`role ${role}`);
    // The same URL the engine hands the CLI as PG_CONN_STR.
    const url = new URL(stateUrl);
    url.username = role;
    url.password = derivedSecret(`terraform-state-role:${database}`);
    const cli = new pg.Client(url.toString());
    await cli.connect();
    try {
      const rows = await cli.query<{ name: string }>("select name from provisio_terraform_state.states where name = $1", [
        `env-${spec.environmentId}`,
      ]);
      expect(rows.rows).toHaveLength(1);
      await expect(cli.query("select count(*) from users")).rejects.toThrow(/permission denied/);
      await expect(cli.query("select count(*) from environments")).rejects.toThrow(/permission denied/);
      await expect(cli.query("create table public.sneaky (id int)")).rejects.toThrow(/permission denied/);
    } finally {
      await cli.end();
    }
    await engine.destroyAll(context(spec.environmentId).ctx, spec);
  });

  it("previews, applies, outputs and destroys the shipped example with no provider download", async () => {
    const template = await catalogTemplate("event-queue-terraform");
    const spec = specFor(template, { parameters: { queue_name: "orders-created", idempotency_table: true, expected_million_requests: 10 } });

    const preview = await engine.previewPlan(spec);
    expect(preview.summary).toEqual({ create: 3, update: 0, replace: 0, delete: 0 });
    expect(preview.changes.map((c) => `${c.action} ${c.address}`).sort()).toEqual([
      "create module.queue.terraform_data.dead_letter_queue",
      "create module.queue.terraform_data.queue",
      "create terraform_data.idempotency[0]",
    ]);
    // Priced from the plan: terraform_data is free, the declared usage of the queue and the table is charged.
    expect(preview.cost.unpriced).toEqual([]);
    expect(preview.cost.lines.map((l) => l.address).sort()).toEqual(["module.queue", "terraform_data.idempotency[0]"]);
    expect(preview.cost.monthlyCents).toBe(400 + 25);
    expect(preview.outputs.map((o) => o.name)).toContain("queue_url");
    // Cached: the same inputs answer the same plan without running the CLI again.
    expect((await engine.previewPlan(spec)).plannedAt).toBe(preview.plannedAt);

    const { ctx, events } = context(spec.environmentId);
    const result = await engine.applyAll(ctx, spec);
    expect(result.outputs.queue_url).toBe("https://sqs.us-east-1.amazonaws.com/000000000000/orders-created");
    expect(result.outputs.dead_letter_queue_arn).toBe("arn:aws:sqs:us-east-1:000000000000:orders-created-dlq");
    const byAddress = new Map(result.resources.map((r) => [r.address, r]));
    expect([...byAddress.keys()].sort()).toEqual([
      "module.queue",
      "module.queue.terraform_data.dead_letter_queue",
      "module.queue.terraform_data.queue",
      "terraform_data.idempotency[0]",
    ]);
    expect(byAddress.get("module.queue")?.hourlyMicros).toBe(spec.planned.find((p) => p.id === "queue")?.hourlyMicros);
    // Every resource Terraform made carries every mandatory tag, as the module received them.
    for (const r of result.resources.filter((x) => x.type === "terraform_data")) {
      const carried = (r.attributes.input as { tags: Record<string, string> }).tags;
      for (const key of mandatory) expect(carried[key], `${r.address} ${key}`).toBe(spec.tags[key]);
    }
    expect(events.some((e) => /Plan: 3 to add/.test(e.message))).toBe(true);
    expect(events.some((e) => /Apply complete! Resources: 3 added/.test(e.message))).toBe(true);
    // The connection string never reaches the log.
    const password = new URL(stateUrl).password;
    expect(events.map((e) => e.message).join("\n")).not.toContain(password);

    // State is in Postgres, in the environment's own workspace; read() finds it there.
    expect(await stateRows(`env-${spec.environmentId}`)).toHaveLength(1);
    expect((await engine.read(ctx)).map((r) => r.address).sort()).toEqual([...byAddress.keys()].sort());

    // A second apply converges: nothing to do.
    const again = context(spec.environmentId);
    await engine.applyAll(again.ctx, spec);
    expect(again.events.some((e) => /Apply complete! Resources: 0 added, 0 changed, 0 destroyed/.test(e.message))).toBe(true);

    await engine.destroyAll(context(spec.environmentId).ctx, spec);
    expect(await stateRows(`env-${spec.environmentId}`)).toHaveLength(0);
    expect(await engine.read(ctx)).toEqual([]);
  });

  it("reads drift without changing anything: in sync, then exactly what an out-of-band apply and a deleted resource changed", async () => {
    const template = await catalogTemplate("event-queue-terraform");
    const parameters = { queue_name: "drifty", idempotency_table: true, visibility_timeout_seconds: 30 };
    const spec = specFor(template, { parameters });
    const { ctx } = context(spec.environmentId);
    // No state yet: an error, never a report (and no workspace is created by looking).
    await expect(engine.checkDrift(ctx, spec)).rejects.toMatchObject({ kind: "permanent", options: { code: "no_state" } });
    expect(await stateRows(`env-${spec.environmentId}`)).toHaveLength(0);

    await engine.applyAll(ctx, spec);
    expect(await engine.checkDrift(context(spec.environmentId).ctx, spec)).toEqual({ resources: [] });

    // Out of band: someone applies other values (and another owner tag) to the same state from a laptop…
    const outOfBand = specFor(template, {
      environmentId: spec.environmentId,
      parameters: { ...parameters, visibility_timeout_seconds: 90 },
    });
    outOfBand.tags = { ...spec.tags, owner: "mallory@example.com" };
    await engine.applyAll(context(spec.environmentId).ctx, outOfBand);
    // …and the idempotency table disappears from the state (as `terraform state rm` or a deleted resource would leave it).
    const [row] = await stateRows(`env-${spec.environmentId}`);
    const state = JSON.parse(row!.data) as { serial: number; resources: { name: string }[] };
    state.resources = state.resources.filter((r) => r.name !== "idempotency");
    state.serial += 1;
    const admin = new pg.Client(stateUrl);
    await admin.connect();
    await admin.query("update provisio_terraform_state.states set data = $2 where name = $1", [`env-${spec.environmentId}`, JSON.stringify(state)]);
    await admin.end();
    const before = (await stateRows(`env-${spec.environmentId}`))[0]!.data;

    const report = await engine.checkDrift(context(spec.environmentId).ctx, spec);
    const byAddress = new Map(report.resources.map((r) => [r.address, r]));
    expect([...byAddress.keys()].sort()).toEqual([
      "module.queue.terraform_data.dead_letter_queue",
      "module.queue.terraform_data.queue",
      "terraform_data.idempotency[0]",
    ]);
    expect(byAddress.get("terraform_data.idempotency[0]")).toEqual({
      kind: "missing",
      address: "terraform_data.idempotency[0]",
      type: "terraform_data",
      providerId: null,
    });
    const queue = byAddress.get("module.queue.terraform_data.queue");
    expect(queue).toMatchObject({ kind: "changed", type: "terraform_data" });
    if (queue?.kind !== "changed") throw new Error("queue not changed");
    expect(queue.properties).toEqual([{ path: "input.visibility_timeout_seconds", desired: 30, actual: 90 }]);
    expect(queue.tags).toEqual([{ path: "owner", desired: spec.tags.owner, actual: "mallory@example.com" }]);
    const dlq = byAddress.get("module.queue.terraform_data.dead_letter_queue");
    expect(dlq).toMatchObject({
      kind: "changed",
      properties: [],
      tags: [{ path: "owner", desired: spec.tags.owner, actual: "mallory@example.com" }],
    });
    // Checking changed nothing.
    expect((await stateRows(`env-${spec.environmentId}`))[0]!.data).toBe(before);

    await engine.destroyAll(context(spec.environmentId).ctx, spec);
  });

  it("applies a saved plan exactly as planned, and refuses it as stale once the state moved on", async () => {
    const template = await catalogTemplate("event-queue-terraform");
    const spec = specFor(template, { parameters: { queue_name: "approved-values", idempotency_table: false } });
    const saved = await engine.planAll(context(spec.environmentId).ctx, spec);
    expect(saved.diff.map((d) => `${d.action} ${d.address}`)).toEqual([
      "create module.queue.terraform_data.dead_letter_queue",
      "create module.queue.terraform_data.queue",
    ]);
    expect(saved.diff[1]?.values).toContainEqual({ path: "input.name", before: null, after: "approved-values" });
    // Applied with other values at hand: the saved plan's values win (no new plan was made).
    const other = specFor(template, { environmentId: spec.environmentId, parameters: { queue_name: "other-values", idempotency_table: true } });
    const { ctx, events } = context(spec.environmentId);
    const result = await engine.applyAll(ctx, other, { savedPlan: saved.file });
    expect(result.outputs.queue_url).toBe("https://sqs.us-east-1.amazonaws.com/000000000000/approved-values");
    expect(result.resources.map((r) => r.address)).not.toContain("terraform_data.idempotency[0]");
    expect(events.map((e) => e.message)).toContain("Applying the approved plan as saved (no new plan)");

    // A plan made now, then the state moves (another apply): the saved plan is stale.
    const next = await engine.planAll(context(spec.environmentId).ctx, other);
    expect(next.diff.map((d) => `${d.action} ${d.address}`)).toEqual([
      "update module.queue.terraform_data.dead_letter_queue",
      "update module.queue.terraform_data.queue",
      "create terraform_data.idempotency[0]",
    ]);
    const third = specFor(template, { environmentId: spec.environmentId, parameters: { queue_name: "third-values", idempotency_table: false } });
    await engine.applyAll(context(spec.environmentId).ctx, third);
    await expect(engine.applyAll(context(spec.environmentId).ctx, other, { savedPlan: next.file })).rejects.toMatchObject({
      kind: "permanent",
      options: { code: "plan_stale" },
    });
    await engine.destroyAll(context(spec.environmentId).ctx, spec);
  });

  it("makes a second run on the same workspace wait for the lock, then succeed", async () => {
    const template = slowTemplate("slow-lock", [2, 2]);
    const spec = specFor(template);
    const first = context(spec.environmentId);
    const second = context(spec.environmentId);
    const a = engine.applyAll(first.ctx, spec);
    // The second starts while the first holds the lock.
    await new Promise((r) => setTimeout(r, 1500));
    const b = engine.applyAll(second.ctx, spec);
    const [ra, rb] = await Promise.all([a, b]);
    expect(second.events.some((e) => /Acquiring state lock/.test(e.message))).toBe(true);
    expect(first.events.some((e) => /Resources: 2 added/.test(e.message))).toBe(true);
    // The second saw the first's result: nothing left to create, the same resources.
    expect(second.events.some((e) => /Resources: 0 added/.test(e.message))).toBe(true);
    expect(rb.resources.map((r) => r.providerId).sort()).toEqual(ra.resources.map((r) => r.providerId).sort());
    await engine.destroyAll(context(spec.environmentId).ctx, spec);
  });

  it("reports who holds the lock when it stays locked past the lock timeout", async () => {
    const impatient = make({ lockTimeoutSeconds: 1 });
    const spec = specFor(slowTemplate("slow-lock-timeout", [4]));
    const holder = engine.applyAll(context(spec.environmentId).ctx, spec);
    await new Promise((r) => setTimeout(r, 1500));
    const error = await impatient.applyAll(context(spec.environmentId).ctx, spec).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).kind).toBe("transient");
    expect((error as EngineError).message).toMatch(/locked by another Terraform run \(held by provisio-terraform .*server pid \d+/);
    await holder;
    await engine.destroyAll(context(spec.environmentId).ctx, spec);
  });

  it("recovers a killed apply through the state: no duplicate, nothing untracked", async () => {
    let pid = 0;
    const killable = make({ onCliStart: (p, args) => void (args[0] === "apply" && (pid = p)) });
    const spec = specFor(slowTemplate("slow-kill", [1, 1, 30]));
    const { ctx, events } = context(spec.environmentId);
    const running = killable.applyAll(ctx, spec).catch((e: unknown) => e);
    await expect.poll(() => events.some((e) => /step1: Creation complete/.test(e.message)), { timeout: 30_000, interval: 100 }).toBe(true);
    process.kill(-pid, "SIGKILL");
    const error = await running;
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).kind).toBe("transient");
    expect((error as EngineError).message).toMatch(/killed \(SIGKILL\)/);

    // The lock died with the CLI's connection: the next run does not wait, and converges.
    const fast = specFor(slowTemplate("slow-kill", [0, 0, 0]), { environmentId: spec.environmentId });
    const next = context(spec.environmentId);
    const result = await make({ lockTimeoutSeconds: 5 }).applyAll(next.ctx, fast);
    const addresses = result.resources.map((r) => r.address).sort();
    expect(addresses).toEqual([
      "module.steps",
      "module.steps.terraform_data.step0",
      "module.steps.terraform_data.step1",
      "module.steps.terraform_data.step2",
    ]);
    // The state holds exactly one of each, and what we record is what the state holds.
    const [row] = await stateRows(`env-${spec.environmentId}`);
    const state = JSON.parse(row?.data ?? "{}") as { resources: { name: string; instances: unknown[] }[] };
    expect(state.resources.map((r) => `${r.name}:${r.instances.length}`).sort()).toEqual(["step0:1", "step1:1", "step2:1"]);
    expect((await engine.read(next.ctx)).map((r) => r.address).sort()).toEqual(addresses);
    await engine.destroyAll(context(spec.environmentId).ctx, fast);
  });

  it("names the cause when a module fails to plan", async () => {
    const template = inlineTemplate(moduleTemplateYaml("broken-module"), {
      "module/main.tf":
        'variable "tags" {\n  type = map(string)\n}\n\nresource "terraform_data" "x" {\n  input = local.missing\n}\n\noutput "last" {\n  value = terraform_data.x.id\n}\n',
    });
    const spec = specFor(template);
    const error = await engine.applyAll(context(spec.environmentId).ctx, spec).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).kind).toBe("permanent");
    expect((error as EngineError).message).toMatch(
      /^terraform apply failed: Reference to undeclared local value: .*local value with the name "missing"/,
    );
    await expect(engine.previewPlan(specFor(template))).rejects.toThrow(/terraform plan failed: Reference to undeclared local value/);
  });

  it("names the variable when the module gets a value of the wrong type", async () => {
    const moduleText =
      'variable "tags" {\n  type = map(string)\n}\n\nvariable "size" {\n  type = number\n}\n\nresource "terraform_data" "x" {\n  input = { size = var.size, tags = var.tags }\n}\n\noutput "last" {\n  value = terraform_data.x.id\n}\n';
    const yaml = moduleTemplateYaml("wrong-type")
      .replace(
        "  resources:",
        '  parameters:\n    - name: size\n      title: Size\n      type: string\n      pattern: "^[a-z]+$"\n      default: large\n  resources:',
      )
      .replace("        source: ./module", "        source: ./module\n        inputs:\n          size: ${params.size}");
    const spec = specFor(inlineTemplate(yaml, { "module/main.tf": moduleText }));
    const error = (await engine.applyAll(context(spec.environmentId).ctx, spec).catch((e: unknown) => e)) as EngineError;
    expect(error.kind).toBe("permanent");
    expect(error.message).toMatch(/Invalid value for input variable: .*module\.steps\.var\.size.*a number is required/);
  });

  it("says which binary is missing, and is unavailable without one", async () => {
    const none = make({ binary: path.join(workDir, "no-such-terraform") });
    expect(none.availability()).toEqual({ ok: false, reason: expect.stringContaining("PROVISIO_TERRAFORM_BIN is") });
    const spec = specFor(slowTemplate("no-binary", [0]));
    await expect(none.applyAll(context(spec.environmentId).ctx, spec)).rejects.toMatchObject({
      kind: "permanent",
      message: expect.stringContaining("not an executable file"),
    });
    const onEmptyPath = make({ pathEnv: workDir });
    expect(onEmptyPath.availability()).toEqual({
      ok: false,
      reason: "no terraform or tofu binary on PATH: install Terraform (1.4 or newer) or OpenTofu, or set PROVISIO_TERRAFORM_BIN",
    });
  });

  it("redacts the state database credentials out of anything the module prints", async () => {
    const spec = specFor(slowTemplate("leaky", [0], "echo conn=$PG_CONN_STR"));
    const { ctx, events } = context(spec.environmentId);
    await engine.applyAll(ctx, spec);
    const printed = events.map((e) => e.message).filter((m) => m.includes("conn="));
    expect(printed.length).toBeGreaterThan(0);
    expect(printed.join("\n")).not.toContain(new URL(stateUrl).password);
    expect(printed.join("\n")).toContain("[redacted]");
    await engine.destroyAll(context(spec.environmentId).ctx, spec);
  });

  it("uses one environment's workspace only: another environment's apply never waits for it", async () => {
    const a = specFor(slowTemplate("slow-a", [3]));
    const b = specFor(slowTemplate("slow-b", [0]));
    const running = engine.applyAll(context(a.environmentId).ctx, a);
    await new Promise((r) => setTimeout(r, 1000));
    const other = context(b.environmentId);
    await make({ lockTimeoutSeconds: 1 }).applyAll(other.ctx, b);
    expect(other.events.some((e) => /Acquiring state lock/.test(e.message))).toBe(false);
    await running;
    await engine.destroyAll(context(a.environmentId).ctx, a);
    await engine.destroyAll(context(b.environmentId).ctx, b);
  });
});

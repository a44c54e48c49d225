/**
 * Terraform engine benchmarks (`npx tsx bench/terraform.bench.ts`, needs a terraform or tofu
 * binary): the shipped example (event-queue-terraform) planned, applied and destroyed, first by
 * the engine alone against an embedded PostgreSQL (CLI timings), interleaved round by round with
 * the bare CLI on the same configuration with local state (`plan -out` + `show -json`, `apply
 * -auto-approve`, `destroy -auto-approve` in a folder initialised once), printing
 * `terraform_apply_vs_bare` and `terraform_cycle_vs_bare` (targets: apply ≤ 1.5× bare + 200 ms,
 * cycle ≤ 1.5× bare + 400 ms); then through the portal: the real stack (web + worker) from
 * approval to ready and from the destroy request to destroyed. Prints `name: value unit` lines
 * (medians of 5).
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { eq } from "drizzle-orm";
import { connect } from "~/db/client";
import { environments, requests, teams, users } from "~/db/schema";
import { startEmbeddedPostgres } from "~/scripts/lib/embedded-pg";
import { findFreePort } from "~/scripts/lib/ports";
import { startThrowawayStack } from "~/scripts/lib/throwaway-stack";
import { createTerraformEngine } from "~/server/engines/terraform/engine";
import { buildRootModule } from "~/server/engines/terraform/root-module";
import { catalogTemplate, cliBinary, specFor } from "~/server/engines/terraform/test-support";
import { decideRequest } from "~/server/services/approvals";
import { destroyEnvironment } from "~/server/services/environments";
import { submitRequest } from "~/server/services/requests";
import { loadViewer } from "~/server/services/users";

const print = (name: string, value: number, unit: string) => console.log(`${name}: ${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rounds = 5;

/** One bare CLI command, straight through execFile: the floor the engine is measured against. */
function bare(binary: string, cwd: string, args: string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) =>
    execFile(binary, args, { cwd, env: { ...process.env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" }, maxBuffer: 64 << 20 }, (error) =>
      error ? reject(error) : resolve(performance.now() - started),
    ),
  );
}

/** The same configuration as the engine writes, without a backend (local state), initialised once. */
async function bareFolder(dir: string, spec: ReturnType<typeof specFor>, binary: string): Promise<void> {
  const root = buildRootModule({
    spec: spec.template.document.spec,
    parameters: spec.parameters,
    environment: spec.environment,
    tags: spec.tags,
    backend: null,
  });
  await mkdir(path.join(dir, "module"), { recursive: true });
  await writeFile(path.join(dir, "main.tf.json"), JSON.stringify(root.mainTf));
  for (const [file, text] of Object.entries(spec.template.moduleFiles)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  await bare(binary, dir, ["init", "-input=false", "-no-color"]);
}

async function bareVars(dir: string, spec: ReturnType<typeof specFor>): Promise<string> {
  const root = buildRootModule({
    spec: spec.template.document.spec,
    parameters: spec.parameters,
    environment: spec.environment,
    tags: spec.tags,
    backend: null,
  });
  const file = `vars-${spec.environmentId}.tfvars.json`;
  await writeFile(path.join(dir, file), JSON.stringify(root.tfvars));
  return file;
}

if (!cliBinary.ok) {
  console.log("terraform bench skipped: no terraform or tofu binary on PATH");
  process.exit(0);
}

// 1. The engine alone: the CLI against the pg backend.
{
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "provisio-bench-tf-"));
  const pg = await startEmbeddedPostgres({
    dataDir: path.join(dataDir, "pg"),
    port: await findFreePort(),
    database: "bench",
    onNotice: () => undefined,
  });
  const engine = createTerraformEngine({
    workDir: path.join(dataDir, "work"),
    stateUrl: pg.url,
    stateSchema: "provisio_terraform_state",
    lockTimeoutSeconds: 60,
  });
  try {
    const template = await catalogTemplate("event-queue-terraform");
    const ctx = (environmentId: string) => ({ environmentId, log: () => undefined, signal: new AbortController().signal });
    const timings = { plan: [] as number[], apply: [] as number[], noop: [] as number[], destroy: [] as number[] };
    const bareTimings = { plan: [] as number[], apply: [] as number[], destroy: [] as number[] };
    const bareDir = path.join(dataDir, "bare");
    const binary = cliBinary.ok ? cliBinary.path : "terraform";
    await bareFolder(bareDir, specFor(template, { parameters: { queue_name: "bench-init", idempotency_table: true } }), binary);
    for (let i = 0; i < rounds; i++) {
      // The bare CLI first, then the engine, round by round: both see the same machine load.
      {
        const spec = specFor(template, { parameters: { queue_name: `bare-${i}`, idempotency_table: true } });
        const vars = await bareVars(bareDir, spec);
        bareTimings.plan.push(
          (await bare(binary, bareDir, ["plan", "-input=false", "-json", "-out=bare.tfplan", `-var-file=${vars}`])) +
            (await bare(binary, bareDir, ["show", "-json", "bare.tfplan"])),
        );
        bareTimings.apply.push(await bare(binary, bareDir, ["apply", "-auto-approve", "-input=false", "-json", `-var-file=${vars}`]));
        bareTimings.destroy.push(await bare(binary, bareDir, ["destroy", "-auto-approve", "-input=false", "-json", `-var-file=${vars}`]));
      }
      const spec = specFor(template, { parameters: { queue_name: `bench-${i}`, idempotency_table: true } });
      let t = performance.now();
      await engine.previewPlan(spec);
      timings.plan.push(performance.now() - t);
      t = performance.now();
      await engine.applyAll(ctx(spec.environmentId), spec);
      timings.apply.push(performance.now() - t);
      t = performance.now();
      await engine.applyAll(ctx(spec.environmentId), spec);
      timings.noop.push(performance.now() - t);
      t = performance.now();
      await engine.destroyAll(ctx(spec.environmentId), spec);
      timings.destroy.push(performance.now() - t);
    }
    print("terraform_cli_plan_preview_ms_median", median(timings.plan), "ms");
    print("terraform_cli_apply_ms_median", median(timings.apply), "ms");
    print("terraform_cli_apply_no_changes_ms_median", median(timings.noop), "ms");
    print("terraform_cli_destroy_ms_median", median(timings.destroy), "ms");
    const cycle = median(timings.plan.map((p, i) => p + (timings.apply[i] ?? 0) + (timings.destroy[i] ?? 0)));
    print("terraform_cli_cycle_ms_median", cycle, "ms");
    const bareApply = median(bareTimings.apply);
    const bareCycle = median(bareTimings.plan.map((p, i) => p + (bareTimings.apply[i] ?? 0) + (bareTimings.destroy[i] ?? 0)));
    print("terraform_bare_plan_ms_median", median(bareTimings.plan), "ms");
    print("terraform_bare_apply_ms_median", bareApply, "ms");
    print("terraform_bare_destroy_ms_median", median(bareTimings.destroy), "ms");
    print("terraform_bare_cycle_ms_median", bareCycle, "ms");
    const apply = median(timings.apply);
    console.log(
      `terraform_apply_vs_bare: ${(apply / bareApply).toFixed(2)} x (target: ${apply.toFixed(0)} ms ≤ 1.5 × ${bareApply.toFixed(0)} + 200 = ${(1.5 * bareApply + 200).toFixed(0)} ms: ${apply <= 1.5 * bareApply + 200 ? "met" : "missed"})`,
    );
    console.log(
      `terraform_cycle_vs_bare: ${(cycle / bareCycle).toFixed(2)} x (target: ${cycle.toFixed(0)} ms ≤ 1.5 × ${bareCycle.toFixed(0)} + 400 = ${(1.5 * bareCycle + 400).toFixed(0)} ms: ${cycle <= 1.5 * bareCycle + 400 ? "met" : "missed"})`,
    );
  } finally {
    await engine.close();
    await pg.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

// 2. Through the portal: submit, approve, the worker applies; destroy, the worker destroys.
{
  const stack = await startThrowawayStack({ prefix: "provisio-bench-tf-stack-" });
  try {
    const { db } = connect(stack.databaseUrl, 5);
    const [team] = await db.select().from(teams).where(eq(teams.slug, "payments"));
    const [developerRow] = await db.select().from(users).where(eq(users.email, "dev@provisio.local"));
    const [approverRow] = await db.select().from(users).where(eq(users.email, "approver@provisio.local"));
    if (!team || !developerRow || !approverRow) throw new Error("demo data missing");
    const developer = (await loadViewer(db, developerRow.id))!;
    const approver = (await loadViewer(db, approverRow.id))!;
    const statusOf = async (requestId: string) =>
      (
        await db
          .select({ status: environments.status, id: environments.id, version: environments.version })
          .from(environments)
          .where(eq(environments.requestId, requestId))
      )[0];
    const waitFor = async (requestId: string, status: string) => {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const environment = await statusOf(requestId);
        if (environment?.status === status) return environment;
        if (environment?.status === "failed") throw new Error(`environment failed while waiting for ${status}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${status}`);
        await sleep(20);
      }
    };
    const apply: number[] = [];
    const destroy: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const name = `tf-bench-${i}-${randomUUID().slice(0, 4)}`;
      const { id } = await submitRequest(db, developer, {
        teamId: team.id,
        templateName: "event-queue-terraform",
        tier: "staging",
        environmentName: name,
        ttlHours: 24,
        parameters: { queue_name: `bench-${i}` },
        justification: "Terraform benchmark environment",
        clientRequestId: randomUUID(),
      });
      const [request] = await db.select({ version: requests.version }).from(requests).where(eq(requests.id, id));
      let t = performance.now();
      await decideRequest(db, approver, { requestId: id, expectedVersion: request!.version, decision: "approved", comment: "" });
      const ready = await waitFor(id, "ready");
      apply.push(performance.now() - t);
      t = performance.now();
      await destroyEnvironment(db, developer, { environmentId: ready.id, confirmName: name, expectedVersion: ready.version });
      await waitFor(id, "destroyed");
      destroy.push(performance.now() - t);
    }
    print("terraform_portal_approval_to_ready_ms_median", median(apply), "ms");
    print("terraform_portal_destroy_to_destroyed_ms_median", median(destroy), "ms");
    print("terraform_portal_apply_destroy_cycle_ms_median", median(apply.map((a, i) => a + (destroy[i] ?? 0))), "ms");
  } finally {
    await stack.dispose();
  }
}
process.exit(0);

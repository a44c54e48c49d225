/**
 * The engine registry: one registration per engine name, and capabilities that say what the
 * engine objects really do (the runner, the catalog and the UI trust them instead of names).
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "~/testing/db";
import type { EngineContext } from "./engine";
import { engineCapabilities, engineFor, engineRegistry, findEngine, isEngineName } from "./registry";
import { quietSimConfig } from "./sim/cloud";
import { engineNames } from "./types";

let url: string;
let workDir: string;

beforeAll(async () => {
  ({ url } = await createTestDatabase());
  workDir = await mkdtemp(path.join(os.tmpdir(), "provisio-registry-"));
  // This test process's own environment: the registry's engines are configured from it (server/env.ts).
  Object.assign(process.env, {
    DATABASE_URL: url,
    NEXTAUTH_SECRET: "registry-test-secret-0123456789",
    PROVISIO_DEMO: "true",
    PROVISIO_TERRAFORM_WORK_DIR: workDir,
  });
});

afterAll(async () => {
  await engineRegistry.terraform.engine().close();
  await rm(workDir, { recursive: true, force: true });
});

const context = (environmentId = randomUUID()): EngineContext => ({ environmentId, signal: new AbortController().signal, log: () => undefined });

describe("engine registry", () => {
  it("has exactly one registration per engine name, each with its own catalog", () => {
    expect(Object.keys(engineRegistry).sort()).toEqual([...engineNames].sort());
    for (const [key, registration] of Object.entries(engineRegistry)) {
      expect(registration.name).toBe(key);
      expect(registration.priceList.engine).toBe(key);
      expect(registration.title.length).toBeGreaterThan(0);
      expect(Object.keys(registration.resourceTypes).length).toBeGreaterThan(0);
    }
    expect(isEngineName("terraform")).toBe(true);
    expect(isEngineName("pulumi")).toBe(false);
    expect(findEngine("pulumi")).toBeUndefined();
    // A name from an old row that this release does not know can do nothing optional.
    expect(engineCapabilities("pulumi")).toEqual({ apply: "per-resource", planPreview: false, driftRead: false });
  });

  it("gives the runner this process's engine for each name, implementing exactly the declared apply mode and plan preview", () => {
    for (const name of engineNames) {
      const engine = engineFor(name);
      expect(engine.name).toBe(name);
      expect(engineFor(name)).toBe(engine);
      const { apply, planPreview } = engineRegistry[name].capabilities;
      const whole = apply === "whole-environment";
      expect(typeof engine.applyAll === "function", `${name} applyAll`).toBe(whole);
      expect(typeof engine.destroyAll === "function", `${name} destroyAll`).toBe(whole);
      expect(typeof (engine as { previewPlan?: unknown }).previewPlan === "function", `${name} previewPlan`).toBe(planPreview);
    }
    // Both kinds exist, so both paths of the runner are exercised by real engines.
    expect(engineNames.filter((n) => engineRegistry[n].capabilities.apply === "whole-environment")).toEqual(["terraform"]);
  });

  it("driftRead (sim): read() reports what the cloud really has, so a resource deleted outside Provisio is missing", async () => {
    expect(engineRegistry.sim.capabilities.driftRead).toBe(true);
    const engine = engineRegistry.sim.engine();
    await engine.cloud.configure(quietSimConfig);
    const ctx = context();
    const tags = { "environment-id": ctx.environmentId, "managed-by": "provisio" };
    const net = await engine.apply(
      ctx,
      { address: "net", type: "network", properties: { region: "eu-west-1", cidr: "10.0.0.0/16" }, tags, idempotencyKey: `${ctx.environmentId}/net` },
      null,
    );
    expect((await engine.read(ctx)).map((r) => r.address)).toEqual(["net"]);
    await engine.cloud.delete(net.providerId);
    expect(await engine.read(ctx)).toEqual([]);
  });

  it("terraform: read() answers from the stored state, even for a resource that exists nowhere (drift is checkDrift's)", async () => {
    expect(engineRegistry.terraform.capabilities.driftRead).toBe(true);
    expect(typeof engineRegistry.terraform.engine().checkDrift).toBe("function");
    const engine = engineRegistry.terraform.engine();
    const ctx = context();
    // The first read creates the state schema; then a state names a resource nothing ever made.
    expect(await engine.read(ctx)).toEqual([]);
    const state = {
      version: 4,
      resources: [{ mode: "managed", type: "terraform_data", name: "ghost", instances: [{ attributes: { id: "never-created" } }] }],
    };
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query("insert into provisio_terraform_state.states (name, data) values ($1, $2)", [
        `env-${ctx.environmentId}`,
        JSON.stringify(state),
      ]);
    } finally {
      await client.end();
    }
    expect((await engine.read(ctx)).map((r) => [r.address, r.providerId])).toEqual([["terraform_data.ghost", "never-created"]]);
  });
});

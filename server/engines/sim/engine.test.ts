import { randomUUID } from "node:crypto";
import path from "node:path";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "~/db/client";
import { createTestDatabase } from "~/testing/db";
import { applyOrder, resolveReferences } from "~/server/runner/references";
import { readTemplateFolders } from "~/server/templates/files";
import { planTemplate } from "~/server/templates/plan";
import { parameterScenarios } from "~/server/templates/validate";
import { EngineError, type ActualResource, type DesiredResource, type EngineContext, type RunLogEvent } from "../engine";
import { quietSimConfig } from "./cloud";
import { createSimEngine, type SimEngine } from "./engine";

let db: Database;
let engine: SimEngine;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  engine = createSimEngine({ db, config: quietSimConfig });
});

beforeEach(async () => {
  await engine.cloud.resetConfig();
});

function context(environmentId = randomUUID()): EngineContext & { events: RunLogEvent[] } {
  const events: RunLogEvent[] = [];
  return { environmentId, signal: new AbortController().signal, log: (e) => void events.push(e), events };
}

const mandatoryTags = (environmentId: string) => ({
  "environment-id": environmentId,
  "managed-by": "provisio",
  team: "payments",
  owner: "dev@provisio.local",
});

function desired(
  ctx: EngineContext,
  address: string,
  type: string,
  properties: Record<string, unknown>,
  extraTags: Record<string, string> = {},
): DesiredResource {
  return {
    address,
    type,
    properties,
    tags: { ...mandatoryTags(ctx.environmentId), ...extraTags },
    idempotencyKey: `${ctx.environmentId}/${address}`,
  };
}

async function failure(promise: Promise<unknown>): Promise<EngineError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EngineError);
  return error as EngineError;
}

/** A network and a subnet in eu-west-1 for the environment; returns the subnet. */
async function baseNetwork(ctx: EngineContext, on: SimEngine = engine) {
  const net = await on.apply(ctx, desired(ctx, "net", "network", { region: "eu-west-1", cidr: "10.0.0.0/16" }), null);
  return on.apply(ctx, desired(ctx, "subnet", "subnet", { region: "eu-west-1", network: net.providerId, cidr: "10.0.1.0/24" }), null);
}

const vm = (subnet: ActualResource, extra: Record<string, unknown> = {}) => ({
  region: "eu-west-1",
  instance_type: "t3.small",
  image: "debian-12",
  subnet: subnet.providerId,
  disk_gb: 20,
  ...extra,
});

describe("sim engine: apply", () => {
  it("creates once under retries and concurrent applies, adopting what an earlier attempt made", async () => {
    const ctx = context();
    const subnet = await baseNetwork(ctx);
    const box = desired(ctx, "box", "instance", vm(subnet));
    const results = await Promise.all(Array.from({ length: 8 }, () => engine.apply(ctx, box, null)));
    expect(new Set(results.map((r) => r.providerId)).size).toBe(1);
    expect(results[0]).toMatchObject({
      address: "box",
      type: "instance",
      status: "ready",
      idempotencyKey: box.idempotencyKey,
      providerId: expect.stringMatching(/^i-[0-9a-f]{17}$/),
    });
    expect(results[0]?.attributes).toMatchObject({
      private_ip: expect.stringMatching(/^10\.0\.1\./),
      hostname: expect.stringContaining(".eu-west-1.compute.internal"),
    });
    const again = await engine.apply(ctx, box, null);
    expect(again.providerId).toBe(results[0]?.providerId);
    expect(ctx.events.some((e) => e.message.includes("adopted"))).toBe(true);
    expect(await engine.cloud.inventory({ tags: { "environment-id": ctx.environmentId }, type: "instance" })).toHaveLength(1);
  });

  it("survives a lost answer: the first try fails transient, the retry adopts, nothing is duplicated", async () => {
    const ctx = context();
    await engine.cloud.configure({ faults: { lostResponseRate: { create: 1 } } });
    const net = desired(ctx, "net", "network", { region: "us-east-1", cidr: "10.5.0.0/16" });
    const error = await failure(engine.apply(ctx, net, null));
    expect(error).toMatchObject({ kind: "transient", options: { code: "RequestTimeout", address: "net" } });
    await engine.cloud.resetConfig();
    const adopted = await engine.apply(ctx, net, null);
    expect(await engine.read(ctx)).toEqual([adopted]);
  });

  it("updates in place when the same key already holds the resource with other properties or tags", async () => {
    const ctx = context();
    const subnet = await baseNetwork(ctx);
    const first = await engine.apply(ctx, desired(ctx, "box", "instance", vm(subnet)), null);
    const changed = await engine.apply(
      ctx,
      desired(ctx, "box", "instance", vm(subnet, { instance_type: "t3.medium" }), { "expires-at": "2027-01-01" }),
      null,
    );
    expect(changed.providerId).toBe(first.providerId);
    expect(changed.properties.instance_type).toBe("t3.medium");
    expect(changed.tags["expires-at"]).toBe("2027-01-01");
    expect(ctx.events.some((e) => e.message.includes("with other properties; updating it"))).toBe(true);
  });

  it("waits for an instance to boot (pending → running) and says so in the log", async () => {
    const ctx = context();
    const subnet = await baseNetwork(ctx);
    await engine.cloud.configure({ bootDelayMs: { instance: 250 } });
    const started = Date.now();
    const box = await engine.apply(ctx, desired(ctx, "box", "instance", vm(subnet)), null);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(box.status).toBe("ready");
    expect(ctx.events.find((e) => e.address === "box" && e.message.includes("is booting"))).toBeTruthy();

    const lazy = createSimEngine({ db, config: quietSimConfig, waitForReady: false });
    const pending = await lazy.apply(ctx, desired(ctx, "box2", "instance", vm(subnet)), null);
    expect(pending.status).toBe("pending");
  });

  it("keeps secrets out of attributes", async () => {
    const ctx = context();
    const subnet = await baseNetwork(ctx);
    const database = await engine.apply(
      ctx,
      desired(ctx, "db", "managed_database", {
        region: "eu-west-1",
        engine: "postgres",
        engine_version: "16",
        instance_class: "db.t3.micro",
        storage_gb: 20,
        subnets: [subnet.providerId],
      }),
      null,
    );
    expect(Object.keys(database.sensitive).sort()).toEqual(["password", "url"]);
    expect(database.attributes).toMatchObject({ port: 5432, username: "app", database_name: "app", endpoint: expect.stringContaining(".rds.") });
    expect(JSON.stringify(database.attributes)).not.toContain(database.sensitive.password);
    expect(database.sensitive.url).toContain(`:${database.sensitive.password}@`);
  });
});

describe("sim engine: errors say whether retrying helps", () => {
  it("invalid properties: permanent, naming the field", async () => {
    const ctx = context();
    const error = await failure(engine.apply(ctx, desired(ctx, "net", "network", { region: "eu-west-1", cidr: "ten dot zero" }), null));
    expect(error.kind).toBe("permanent");
    expect(error.message).toBe("net: properties.cidr: must be an IPv4 CIDR block like 10.0.0.0/16");
    expect(error.options).toMatchObject({ code: "InvalidParameter", address: "net" });
  });

  it("a reference to something that does not exist: permanent", async () => {
    const ctx = context();
    const error = await failure(
      engine.apply(ctx, desired(ctx, "subnet", "subnet", { region: "eu-west-1", network: "vpc-00000000000000000", cidr: "10.0.1.0/24" }), null),
    );
    expect(error).toMatchObject({ kind: "permanent", options: { code: "InvalidReference" } });
    expect(error.message).toContain("subnet: properties.network: network vpc-00000000000000000 does not exist");
  });

  it("a quota exceeded half way: the first instances stand, the next fails permanent with the figures", async () => {
    const ctx = context();
    const team = createSimEngine({ db, account: "half-way", config: quietSimConfig });
    const subnet = await baseNetwork(ctx, team);
    await team.cloud.configure({ quotas: { "half-way/eu-west-1": { instances: 2 } } });
    await team.apply(ctx, desired(ctx, "a", "instance", vm(subnet)), null);
    await team.apply(ctx, desired(ctx, "b", "instance", vm(subnet)), null);
    const error = await failure(team.apply(ctx, desired(ctx, "c", "instance", vm(subnet)), null));
    expect(error).toMatchObject({ kind: "permanent", options: { code: "QuotaExceeded", address: "c" } });
    expect(error.message).toBe(
      "c: instance quota exceeded for account half-way in eu-west-1: the limit is 2, 2 in use, this request needs 1 more (3 > 2)",
    );
    expect((await team.read(ctx)).map((r) => r.address).sort()).toEqual(["a", "b", "net", "subnet"]);
  });

  it("a rate-limit storm: transient, with the retry-after", async () => {
    const ctx = context();
    await engine.cloud.configure({ rateLimit: { perSecond: 2, burst: 2 } });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        engine.apply(ctx, desired(ctx, `net${i}`, "network", { region: "us-west-2", cidr: `10.${i}.0.0/16` }), null),
      ),
    );
    const errors = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected").map((o) => o.reason as EngineError);
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) {
      expect(e).toMatchObject({ kind: "transient", options: { code: "RateLimited" } });
      expect(e.options.retryAfterMs).toBeGreaterThan(0);
    }
  });

  it("a region outage: transient, and read refuses rather than answering half", async () => {
    const ctx = context();
    await engine.apply(ctx, desired(ctx, "net", "network", { region: "eu-central-1", cidr: "10.7.0.0/16" }), null);
    await engine.cloud.configure({ faults: { regionOutages: ["eu-central-1"] } });
    const error = await failure(engine.apply(ctx, desired(ctx, "net2", "network", { region: "eu-central-1", cidr: "10.8.0.0/16" }), null));
    expect(error).toMatchObject({ kind: "transient", options: { code: "ServiceUnavailable" } });
    expect(error.message).toContain("region eu-central-1 is unavailable");
    expect(await failure(engine.read(ctx))).toMatchObject({ kind: "transient" });
  });

  it("injected errors: transient; a retry gets through", async () => {
    const ctx = context();
    await engine.cloud.configure({ faults: { errorRate: { create: 1 } } });
    const net = desired(ctx, "net", "network", { region: "us-east-1", cidr: "10.9.0.0/16" });
    expect(await failure(engine.apply(ctx, net, null))).toMatchObject({ kind: "transient", options: { code: "InternalError" } });
    await engine.cloud.configure({ faults: { errorRate: { create: 0 } } });
    await expect(engine.apply(ctx, net, null)).resolves.toMatchObject({ status: "ready" });
  });

  it("an answer that makes no sense: permanent, saying what is wrong", async () => {
    const ctx = context();
    await engine.cloud.configure({ faults: { malformedRate: { create: 1 } } });
    const error = await failure(engine.apply(ctx, desired(ctx, "net", "network", { region: "us-east-1", cidr: "10.10.0.0/16" }), null));
    expect(error).toMatchObject({ kind: "permanent", options: { code: "InvalidEngineResponse", address: "net" } });
    expect(error.message).toMatch(/^net: the simulator answered something that makes no sense \(/);
  });

  it("destroy: idempotent, and transient while something still depends on the resource", async () => {
    const ctx = context();
    const subnet = await baseNetwork(ctx);
    const [net] = (await engine.read(ctx)).filter((r) => r.address === "net");
    expect(await failure(engine.destroy(ctx, net!))).toMatchObject({ kind: "transient", options: { code: "DependencyViolation" } });
    await engine.destroy(ctx, subnet);
    await engine.destroy(ctx, subnet);
    await engine.destroy(ctx, net!);
    // Known only by its key (the runner tracked it but never heard back): found and deleted.
    const orphan = await engine.apply(ctx, desired(ctx, "late", "network", { region: "us-east-1", cidr: "10.11.0.0/16" }), null);
    await engine.destroy(ctx, { ...orphan, providerId: "" });
    expect(await engine.read(ctx)).toEqual([]);
    expect(ctx.events.some((e) => e.message.includes("was already gone"))).toBe(true);
  });
});

describe("sim engine: read and plan", () => {
  it("reads back exactly what was applied, and a plan against it changes nothing", async () => {
    const ctx = context();
    const subnet = await baseNetwork(ctx);
    const box = desired(ctx, "box", "instance", vm(subnet));
    await engine.apply(ctx, box, null);
    const other = context();
    await engine.apply(other, desired(other, "net", "network", { region: "eu-west-1", cidr: "10.0.0.0/16" }), null);

    const actual = await engine.read(ctx);
    expect(actual.map((r) => r.address).sort()).toEqual(["box", "net", "subnet"]);
    for (const r of actual) expect(r.tags).toEqual(mandatoryTags(ctx.environmentId));
    const wanted = [
      desired(ctx, "net", "network", { region: "eu-west-1", cidr: "10.0.0.0/16" }),
      desired(ctx, "subnet", "subnet", { region: "eu-west-1", network: actual.find((r) => r.address === "net")?.providerId, cidr: "10.0.1.0/24" }),
      box,
    ];
    expect(engine.plan(wanted, actual).map((c) => c.action)).toEqual(["noop", "noop", "noop"]);
    expect(engine.plan(wanted.slice(0, 2), actual).map((c) => `${c.action} ${c.address}`)).toEqual(["noop net", "noop subnet", "delete box"]);
  });

  it("shows reclaimed spot capacity as drift, and apply brings the pool back to size", async () => {
    const ctx = context();
    const subnet = await baseNetwork(ctx);
    const pool = desired(ctx, "workers", "instance_group", {
      region: "eu-west-1",
      instance_type: "c5.large",
      image: "debian-12",
      subnets: [subnet.providerId],
      size: 4,
      disk_gb: 30,
      spot: true,
    });
    const made = await engine.apply(ctx, pool, null);
    expect(made.attributes.instance_ids).toHaveLength(4);
    await engine.cloud.reclaimSpot({ poolId: made.providerId, count: 3 });

    const workers = async () => (await engine.read(ctx)).filter((r) => r.address === "workers");
    const [drifted] = await workers();
    expect(drifted?.properties.size).toBe(1);
    const [change] = engine.plan([pool], [drifted!]);
    expect(change).toMatchObject({ action: "update", differences: ["size"] });

    const repaired = await engine.apply(ctx, pool, drifted ?? null);
    expect(repaired.providerId).toBe(made.providerId);
    expect(repaired.attributes.instance_ids).toHaveLength(4);
    expect(engine.plan([pool], await workers()).map((c) => c.action)).toEqual(["noop"]);
  });
});

describe("sim engine: every sim template applies, reads back and destroys cleanly", async () => {
  const folders = (await readTemplateFolders(path.resolve(import.meta.dirname, "../../../templates"))).filter(
    (f) => f.parsed.document?.spec.engine === "sim",
  );

  it.each(folders.map((f) => [f.folder, f] as const))("%s", async (_name, folder) => {
    const document = folder.parsed.document!;
    const ctx = context();
    const params = parameterScenarios(document.spec.parameters)[0]!;
    const plan = planTemplate(document.metadata.name, document.spec, params, {
      environmentName: "tmpl-test",
      tier: "dev",
      team: "payments",
      tagValues: {
        "environment-id": ctx.environmentId,
        "request-id": randomUUID(),
        owner: "dev@provisio.local",
        "cost-center": "cc-1",
        "expires-at": "2027-01-01T00:00:00Z",
      },
    });
    const actual = new Map<string, ActualResource>();
    for (const planned of applyOrder(plan.resources)) {
      const properties = resolveReferences(planned.properties, actual) as Record<string, unknown>;
      const result = await engine.apply(
        ctx,
        { address: planned.address, type: planned.type, properties, tags: planned.tags, idempotencyKey: `${ctx.environmentId}/${planned.address}` },
        null,
      );
      actual.set(planned.address, result);
    }
    // Outputs that read resources resolve against what the simulator answered.
    for (const output of document.spec.outputs) {
      if (output.when !== undefined || /\$\{\s*(params|env)\./.test(output.value)) continue;
      expect(
        () => resolveReferences({ $ref: output.value.includes("${") ? output.value : `\${${output.value}}` }, actual),
        output.name,
      ).not.toThrow();
    }
    const read = await engine.read(ctx);
    expect(read.map((r) => r.address).sort()).toEqual([...actual.keys()].sort());
    for (const r of read) expect(r).toEqual(actual.get(r.address));
    for (const r of [...applyOrder(plan.resources)].reverse()) await engine.destroy(ctx, actual.get(r.address)!);
    expect(await engine.read(ctx)).toEqual([]);
    expect(await engine.cloud.inventory({ tags: { "environment-id": ctx.environmentId }, includeMembers: true })).toEqual([]);
  });
});

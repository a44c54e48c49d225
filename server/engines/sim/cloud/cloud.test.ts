import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase } from "~/testing/db";
import type { Database } from "~/db/client";
import { SimCloud, SimCloudError, quietSimConfig, type SimConfigInput } from ".";
import { configFromEnv } from "./config";

let db: Database;
let cloud: SimCloud;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  cloud = new SimCloud({ db, config: quietSimConfig });
});

beforeEach(async () => {
  await cloud.resetConfig();
});

let counter = 0;
const key = (name: string) => `test-${++counter}/${name}`;
const tags = (env = "env-1") => ({ "environment-id": env, "managed-by": "provisio" });

async function expectError(promise: Promise<unknown>, code: string, kind: "transient" | "permanent", message?: RegExp): Promise<SimCloudError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SimCloudError);
  const e = error as SimCloudError;
  expect({ code: e.code, kind: e.kind }).toEqual({ code, kind });
  if (message) expect(e.message).toMatch(message);
  return e;
}

async function network(region = "eu-west-1", cidr = "10.0.0.0/16", extra: { account?: string } = {}) {
  return (await cloud.create({ type: "network", properties: { region, cidr }, tags: tags(), idempotencyKey: key("net") }, extra)).resource;
}

async function subnet(networkId: string, cidr = "10.0.1.0/24", region = "eu-west-1") {
  return (await cloud.create({ type: "subnet", properties: { region, network: networkId, cidr }, tags: tags(), idempotencyKey: key("subnet") }))
    .resource;
}

const instanceProps = (subnetId: string, extra: Record<string, unknown> = {}) => ({
  region: "eu-west-1",
  instance_type: "m5.large",
  image: "debian-12",
  subnet: subnetId,
  disk_gb: 20,
  ...extra,
});

describe("idempotent create", () => {
  it("answers the same resource for the same key, including under concurrent retries", async () => {
    const net = await network();
    const first = await cloud.create({
      type: "subnet",
      properties: { region: "eu-west-1", network: net.id, cidr: "10.0.2.0/24" },
      tags: tags(),
      idempotencyKey: "env-1/subnet",
    });
    expect(first.created).toBe(true);
    expect(first.resource.id).toMatch(/^subnet-[0-9a-f]{17}$/);
    const again = await cloud.create({
      type: "subnet",
      properties: { region: "eu-west-1", network: net.id, cidr: "10.0.2.0/24" },
      tags: tags(),
      idempotencyKey: "env-1/subnet",
    });
    expect(again).toMatchObject({ created: false, resource: { id: first.resource.id } });

    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        cloud.create({
          type: "network",
          properties: { region: "eu-west-1", cidr: "10.9.0.0/16" },
          tags: tags("env-race"),
          idempotencyKey: "env-race/network",
        }),
      ),
    );
    expect(new Set(results.map((r) => r.resource.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await cloud.inventory({ tags: { "environment-id": "env-race" } })).toHaveLength(1);
  });

  it("refuses the same key with other properties or another type, naming the resource", async () => {
    const net = await network();
    const e = await expectError(
      cloud.create({ type: "network", properties: { region: "eu-west-1", cidr: "10.1.0.0/16" }, idempotencyKey: net.idempotencyKey! }),
      "IdempotencyConflict",
      "permanent",
      /different properties \(cidr: "10.0.0.0\/16" → "10.1.0.0\/16"\)/,
    );
    expect(e.details.existingId).toBe(net.id);
    await expectError(
      cloud.create({
        type: "bucket",
        properties: { region: "eu-west-1", name: "some-bucket", expected_storage_gb: 1 },
        idempotencyKey: net.idempotencyKey!,
      }),
      "IdempotencyConflict",
      "permanent",
      /already names network/,
    );
  });

  it("adopts after a lost response: the create took effect, the retry finds it", async () => {
    const net = await network();
    await cloud.configure({ faults: { lostResponseRate: { create: 1 } } });
    const k = key("lost");
    await expectError(
      cloud.create({ type: "subnet", properties: { region: "eu-west-1", network: net.id, cidr: "10.0.3.0/24" }, idempotencyKey: k }),
      "RequestTimeout",
      "transient",
      /took effect/,
    );
    await cloud.resetConfig();
    const retried = await cloud.create({
      type: "subnet",
      properties: { region: "eu-west-1", network: net.id, cidr: "10.0.3.0/24" },
      idempotencyKey: k,
    });
    expect(retried.created).toBe(false);
    expect((await cloud.inventory({ type: "subnet" })).filter((s) => s.idempotencyKey === k)).toHaveLength(1);
  });

  it("lets a key be used again once its resource is deleted", async () => {
    const k = key("net");
    const first = await cloud.create({ type: "network", properties: { region: "eu-west-1", cidr: "10.2.0.0/16" }, idempotencyKey: k });
    await cloud.delete(first.resource.id);
    const second = await cloud.create({ type: "network", properties: { region: "eu-west-1", cidr: "10.2.0.0/16" }, idempotencyKey: k });
    expect(second.created).toBe(true);
    expect(second.resource.id).not.toBe(first.resource.id);
  });
});

describe("validation and references", () => {
  it("refuses nonsense properties with a permanent error naming the field", async () => {
    await expectError(
      cloud.create({
        type: "instance",
        properties: { region: "eu-west-1", instance_type: "m5.huge", image: "debian-12", subnet: "subnet-00000000000000000", disk_gb: 20 },
      }),
      "InvalidParameter",
      "permanent",
      /^properties\.instance_type: must be an instance type/,
    );
    await expectError(
      cloud.create({ type: "network", properties: { region: "mars-1", cidr: "10.0.0.0/16" } }),
      "InvalidParameter",
      "permanent",
      /^properties\.region: must be one of the sim regions/,
    );
    const e = await expectError(
      cloud.create({ type: "network", properties: { region: "eu-west-1", cidr: "10.0.0.0/16", colour: "blue" } }),
      "InvalidParameter",
      "permanent",
      /^properties\.colour: is not a property of network \(it takes region, cidr\)/,
    );
    expect(e.details.field).toBe("properties.colour");
    await expectError(cloud.create({ type: "warp_drive", properties: {} }), "UnknownResourceType", "permanent", /no resource type "warp_drive"/);
    await expectError(
      cloud.create({ type: "subnet", properties: { region: "eu-west-1", network: { $ref: "resources.network.id" }, cidr: "10.0.0.0/24" } }),
      "InvalidParameter",
      "permanent",
      /^properties\.network: holds an unresolved reference/,
    );
    await expectError(
      cloud.create({ type: "network", properties: { region: "eu-west-1", cidr: "10.0.0.0/16" }, tags: { owner: 42 as unknown as string } }),
      "InvalidParameter",
      "permanent",
      /^tags\.owner/,
    );
  });

  it("refuses a reference to something that does not exist, is of another type, or lives elsewhere", async () => {
    await expectError(
      cloud.create({ type: "subnet", properties: { region: "eu-west-1", network: "vpc-0123456789abcdef0", cidr: "10.0.0.0/24" } }),
      "InvalidReference",
      "permanent",
      /^properties\.network: network vpc-0123456789abcdef0 does not exist/,
    );
    await expectError(
      cloud.create({ type: "subnet", properties: { region: "eu-west-1", network: "my-network", cidr: "10.0.0.0/24" } }),
      "InvalidReference",
      "permanent",
      /is not the id of a network \(vpc-…\)/,
    );
    const net = await network();
    const sub = await subnet(net.id);
    await expectError(
      cloud.create({ type: "subnet", properties: { region: "eu-west-1", network: sub.id, cidr: "10.0.5.0/24" } }),
      "InvalidReference",
      "permanent",
      /is a subnet, not a network/,
    );
    await expectError(
      cloud.create({ type: "subnet", properties: { region: "us-east-1", network: net.id, cidr: "10.0.5.0/24" } }),
      "InvalidReference",
      "permanent",
      /is in eu-west-1, not in us-east-1/,
    );
    await cloud.delete(sub.id);
    await expectError(
      cloud.create({ type: "instance", properties: instanceProps(sub.id) }),
      "InvalidReference",
      "permanent",
      /does not exist any more \(deleted\)/,
    );
    const other = await network("eu-west-1", "10.0.0.0/16", { account: "someone-else" });
    await expectError(
      cloud.create({ type: "subnet", properties: { region: "eu-west-1", network: other.id, cidr: "10.0.5.0/24" } }),
      "InvalidReference",
      "permanent",
      /does not exist in account provisio-demo/,
    );
  });

  it("keeps subnets inside their network and clear of each other", async () => {
    const net = await network("eu-west-1", "10.20.0.0/16");
    await subnet(net.id, "10.20.1.0/24");
    await expectError(
      cloud.create({ type: "subnet", properties: { region: "eu-west-1", network: net.id, cidr: "10.21.0.0/24" } }),
      "InvalidParameter",
      "permanent",
      /^properties\.cidr: 10\.21\.0\.0\/24 is not inside network/,
    );
    await expectError(
      cloud.create({ type: "subnet", properties: { region: "eu-west-1", network: net.id, cidr: "10.20.0.0/20" } }),
      "InvalidParameter",
      "permanent",
      /overlaps subnet/,
    );
  });

  it("refuses to change an immutable property in place", async () => {
    const net = await network();
    await expectError(
      cloud.update(net.id, { properties: { region: "eu-west-1", cidr: "10.3.0.0/16" } }),
      "ImmutableProperty",
      "permanent",
      /^properties\.cidr: a network's cidr cannot change in place/,
    );
  });

  it("keeps bucket names global", async () => {
    await cloud.create({
      type: "bucket",
      properties: { region: "eu-west-1", name: "shared-name", expected_storage_gb: 1 },
      idempotencyKey: key("b"),
    });
    await expectError(
      cloud.create(
        { type: "bucket", properties: { region: "us-east-1", name: "shared-name", expected_storage_gb: 1 }, idempotencyKey: key("b") },
        { account: "other-account" },
      ),
      "AlreadyExists",
      "permanent",
      /^properties\.name: the bucket name "shared-name" is already taken/,
    );
  });
});

describe("lifecycle", () => {
  it("boots instances: pending until the boot delay has passed, then running", async () => {
    const net = await network();
    const sub = await subnet(net.id);
    await cloud.configure({ bootDelayMs: { instance: 300 } });
    const { resource } = await cloud.create({
      type: "instance",
      properties: instanceProps(sub.id, { public_ip: true }),
      tags: tags(),
      idempotencyKey: key("vm"),
    });
    expect(resource.state).toBe("pending");
    expect(resource.readyInMs).toBeGreaterThan(100);
    expect(resource.attributes).toMatchObject({
      id: resource.id,
      private_ip: expect.stringMatching(/^10\.0\.1\.\d+$/),
      public_ip: expect.stringMatching(/^203\.0\.113\.\d+$/),
    });
    await new Promise((r) => setTimeout(r, resource.readyInMs + 20));
    expect((await cloud.get(resource.id)).state).toBe("running");
    // A network has no boot delay.
    expect(net.state).toBe("available");
  });

  it("deletes idempotently and refuses while something still uses the resource", async () => {
    const net = await network();
    const sub = await subnet(net.id);
    await expectError(cloud.delete(net.id), "DependencyViolation", "transient", new RegExp(`still used by ${sub.id} \\(subnet\\)`));
    expect(await cloud.delete(sub.id)).toEqual({ deleted: true });
    expect(await cloud.delete(sub.id)).toEqual({ deleted: false });
    expect(await cloud.delete("subnet-0000000000000dead")).toEqual({ deleted: false });
    expect(await cloud.delete(net.id)).toEqual({ deleted: true });
    expect((await cloud.get(net.id)).state).toBe("deleted");
    await expectError(cloud.update(net.id, { tags: {} }), "NotFound", "permanent", /deleted/);
  });

  it("lists by tags exactly what was created, without pool members", async () => {
    const env = "env-list";
    const net = (
      await cloud.create({
        type: "network",
        properties: { region: "us-east-1", cidr: "10.30.0.0/16" },
        tags: tags(env),
        idempotencyKey: `${env}/network`,
      })
    ).resource;
    const sub = (
      await cloud.create({
        type: "subnet",
        properties: { region: "us-east-1", network: net.id, cidr: "10.30.1.0/24" },
        tags: tags(env),
        idempotencyKey: `${env}/subnet`,
      })
    ).resource;
    const pool = (
      await cloud.create({
        type: "instance_group",
        properties: { region: "us-east-1", instance_type: "t3.small", image: "debian-12", subnets: [sub.id], size: 3, disk_gb: 20 },
        tags: tags(env),
        idempotencyKey: `${env}/pool`,
      })
    ).resource;
    await cloud.create({
      type: "network",
      properties: { region: "us-east-1", cidr: "10.31.0.0/16" },
      tags: tags("another-env"),
      idempotencyKey: key("net"),
    });
    const listed = await cloud.list({ tags: { "environment-id": env } });
    expect(listed.map((r) => r.id).sort()).toEqual([net.id, sub.id, pool.id].sort());
    expect(listed.find((r) => r.id === pool.id)?.attributes.instance_ids).toHaveLength(3);
    expect(await cloud.list({ tags: { "environment-id": env }, includeMembers: true })).toHaveLength(6);
  });
});

describe("quotas", () => {
  it("fails with a permanent error naming the quota and its figures, and counts per region", async () => {
    await cloud.configure({ quotas: { "provisio-demo/ap-southeast-1": { vcpus: 8 } } });
    const net = await network("ap-southeast-1", "10.40.0.0/16");
    const sub = await subnet(net.id, "10.40.1.0/24", "ap-southeast-1");
    const props = (type: string) => ({ ...instanceProps(sub.id), region: "ap-southeast-1", instance_type: type });
    await cloud.create({ type: "instance", properties: props("m5.xlarge"), idempotencyKey: key("a") }); // 4 vCPUs
    await cloud.create({ type: "instance", properties: props("m5.large"), idempotencyKey: key("b") }); // 6
    const e = await expectError(
      cloud.create({ type: "instance", properties: props("m5.xlarge"), idempotencyKey: key("c") }),
      "QuotaExceeded",
      "permanent",
      /^vCPU quota exceeded for account provisio-demo in ap-southeast-1: the limit is 8, 6 in use, this request needs 4 more \(10 > 8\)/,
    );
    expect(e.details.quota).toEqual({ name: "vcpus", region: "ap-southeast-1", limit: 8, inUse: 6, requested: 4 });
    expect(await cloud.quotaUsage({ region: "ap-southeast-1" })).toEqual([
      {
        account: "provisio-demo",
        region: "ap-southeast-1",
        usage: { vcpus: 6, instances: 2, gpus: 0 },
        limits: { vcpus: 8, instances: 200, gpus: 16 },
      },
    ]);
  });

  it("never lets concurrent creates overshoot the quota", async () => {
    await cloud.configure({ quotas: { "quota-race": { gpus: 2 } } });
    const account = "quota-race";
    const net = (await cloud.create({ type: "network", properties: { region: "us-west-2", cidr: "10.50.0.0/16" } }, { account })).resource;
    const sub = (await cloud.create({ type: "subnet", properties: { region: "us-west-2", network: net.id, cidr: "10.50.1.0/24" } }, { account }))
      .resource;
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) =>
        cloud.create(
          { type: "instance", properties: { ...instanceProps(sub.id), region: "us-west-2", instance_type: "g5.xlarge" }, idempotencyKey: `gpu-${i}` },
          { account },
        ),
      ),
    );
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(2);
    expect(outcomes.filter((o) => o.status === "rejected").map((o) => (o as PromiseRejectedResult).reason.code)).toEqual([
      "QuotaExceeded",
      "QuotaExceeded",
      "QuotaExceeded",
    ]);
  });

  it("counts a pool's members, and checks growth on update", async () => {
    await cloud.configure({ quotas: { "*": { instances: 5 } } });
    const net = await network("eu-central-1", "10.60.0.0/16");
    const sub = await subnet(net.id, "10.60.1.0/24", "eu-central-1");
    const props = { region: "eu-central-1", instance_type: "t3.micro", image: "debian-12", subnets: [sub.id], size: 4, disk_gb: 20 };
    const pool = (await cloud.create({ type: "instance_group", properties: props, idempotencyKey: key("pool") })).resource;
    await expectError(
      cloud.update(pool.id, { properties: { ...props, size: 6 } }),
      "QuotaExceeded",
      "permanent",
      /instance quota exceeded .* the limit is 5, 4 in use, this request needs 2 more/,
    );
    const grown = await cloud.update(pool.id, { properties: { ...props, size: 5 } });
    expect(grown.attributes.instance_ids).toHaveLength(5);
    const shrunk = await cloud.update(pool.id, { properties: { ...props, size: 2 } });
    expect(shrunk.attributes.instance_ids).toHaveLength(2);
  });
});

describe("faults", () => {
  it("answers a rate-limit storm with transient errors that say when to retry", async () => {
    await cloud.configure({ rateLimit: { perSecond: 5, burst: 3 } });
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => cloud.list({}, { account: "storm" })));
    const limited = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected").map((o) => o.reason as SimCloudError);
    expect(outcomes.filter((o) => o.status === "fulfilled").length).toBeLessThanOrEqual(4);
    expect(limited.length).toBeGreaterThanOrEqual(6);
    for (const e of limited) {
      expect({ code: e.code, kind: e.kind }).toEqual({ code: "RateLimited", kind: "transient" });
      expect(e.retryAfterMs).toBeGreaterThan(0);
      expect(e.retryAfterMs).toBeLessThanOrEqual(200);
    }
    // The bucket refills: after the wait it asks for, a call goes through.
    await new Promise((r) => setTimeout(r, 250));
    await expect(cloud.list({}, { account: "storm" })).resolves.toEqual([]);
  });

  it("shares one bucket across processes (separate SimCloud instances)", async () => {
    await cloud.configure({ rateLimit: { perSecond: 0.5, burst: 2 } });
    const other = new SimCloud({ db, config: quietSimConfig });
    await cloud.list({}, { account: "shared" });
    await other.list({}, { account: "shared" });
    await expectError(other.list({}, { account: "shared" }), "RateLimited", "transient", /retry after \d+ ms/);
  });

  it("fails every call in a region under outage, and refuses a list that would miss it", async () => {
    const net = await network("us-west-2", "10.70.0.0/16");
    await cloud.configure({ faults: { regionOutages: ["us-west-2"] } });
    await expectError(
      cloud.create({ type: "network", properties: { region: "us-west-2", cidr: "10.71.0.0/16" } }),
      "ServiceUnavailable",
      "transient",
      /^region us-west-2 is unavailable \(simulated outage\)/,
    );
    await expectError(cloud.get(net.id), "ServiceUnavailable", "transient");
    await expectError(cloud.delete(net.id), "ServiceUnavailable", "transient");
    await expectError(cloud.list({ tags: tags() }), "ServiceUnavailable", "transient", /cannot list resources: region us-west-2/);
    // Other regions work.
    await expect(cloud.create({ type: "network", properties: { region: "eu-west-1", cidr: "10.72.0.0/16" } })).resolves.toMatchObject({
      created: true,
    });
  });

  it("injects errors per operation at the configured rate", async () => {
    await cloud.configure({ faults: { errorRate: { create: 1 } } });
    await expectError(
      cloud.create({ type: "network", properties: { region: "eu-west-1", cidr: "10.80.0.0/16" } }),
      "InternalError",
      "transient",
      /injected fault/,
    );
    await expect(cloud.list()).resolves.toBeInstanceOf(Array);
    await cloud.configure({ faults: { errorRate: { create: 0, "*": 0.5 } } });
    const seeded = new SimCloud({ db, config: quietSimConfig, random: sequence([0.9, 0.1, 0.9, 0.1]) });
    const outcomes = await Promise.allSettled([seeded.list(), seeded.list()]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(["fulfilled", "rejected"]);
  });

  it("adds the configured extra latency", async () => {
    await cloud.configure({ faults: { extraLatencyMs: { get: 120 } } });
    const net = await network();
    const started = Date.now();
    await cloud.get(net.id);
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
  });

  it("refuses capacity that is short", async () => {
    const net = await network();
    const sub = await subnet(net.id);
    await cloud.configure({ faults: { insufficientCapacity: ["spot"] } });
    await expectError(
      cloud.create({ type: "instance", properties: instanceProps(sub.id, { spot: true }) }),
      "InsufficientInstanceCapacity",
      "transient",
      /not enough spot m5\.large capacity/,
    );
  });

  it("answers nonsense when configured to", async () => {
    await cloud.configure({ faults: { malformedRate: { create: 1 } } });
    const seeded = new SimCloud({ db, config: quietSimConfig, random: sequence([0.0, 0.0]) });
    const { resource } = await seeded.create({
      type: "network",
      properties: { region: "eu-west-1", cidr: "10.90.0.0/16" },
      idempotencyKey: key("garbled"),
    });
    expect(resource.id).toBe("");
  });

  it("reclaims spot instances of a pool; the pool degrades until an update replaces them", async () => {
    const net = await network();
    const sub = await subnet(net.id);
    const props = { region: "eu-west-1", instance_type: "c5.large", image: "debian-12", subnets: [sub.id], size: 4, disk_gb: 20, spot: true };
    const pool = (await cloud.create({ type: "instance_group", properties: props, tags: tags("spot-env"), idempotencyKey: key("spot") })).resource;
    expect(pool.state).toBe("running");
    const instancesBefore = (await cloud.quotaUsage({ region: "eu-west-1" }))[0]?.usage.instances ?? 0;
    const reclaimed = await cloud.reclaimSpot({ poolId: pool.id, count: 2 });
    expect(reclaimed).toHaveLength(2);
    const degraded = await cloud.get(pool.id);
    expect(degraded.state).toBe("degraded");
    expect(degraded.attributes).toMatchObject({ desired_size: 4, running_count: 2, reclaimed_count: 2 });
    expect((degraded.attributes.instance_ids as string[]).some((id) => reclaimed.includes(id))).toBe(false);
    expect((await cloud.quotaUsage({ region: "eu-west-1" }))[0]?.usage.instances).toBe(instancesBefore - 2);
    const repaired = await cloud.update(pool.id, { properties: props });
    expect(repaired.state).toBe("running");
    expect(repaired.attributes.instance_ids).toHaveLength(4);

    // Switched on by configuration: every read first reclaims spot instances with the probability.
    await cloud.configure({ faults: { spotReclaim: { probability: 1 } } });
    const [listed] = await cloud.list({ tags: { "environment-id": "spot-env" }, type: "instance_group" });
    expect(listed).toMatchObject({ state: "degraded", attributes: { running_count: 0, reclaimed_count: 6 } });
  });

  it("validates configuration with errors naming the field", async () => {
    await expect(cloud.configure({ faults: { errorRate: { create: 2 } } } as SimConfigInput)).rejects.toThrow(
      /faults\.errorRate.*between 0 and 1|faults\.errorRate\.create: must be between 0 and 1/,
    );
  });
});

describe("configuration", () => {
  it("layers defaults < PROVISIO_SIM_FAULTS < constructor options < the runtime row seen by every instance", async () => {
    const previous = process.env.PROVISIO_SIM_FAULTS;
    process.env.PROVISIO_SIM_FAULTS = JSON.stringify({ latency: { baseMs: 1, jitterMs: 7 }, faults: { regionOutages: ["eu-west-1"] } });
    try {
      const layered = new SimCloud({ db, config: { latency: { baseMs: 5 } } });
      expect((await layered.config()).latency).toEqual({ baseMs: 5, jitterMs: 7 });
      expect((await layered.config()).faults.regionOutages).toEqual(["eu-west-1"]);
      await cloud.configure({ latency: { jitterMs: 0 }, faults: { regionOutages: [] } });
      expect((await layered.config()).latency).toEqual({ baseMs: 5, jitterMs: 0 });
      expect((await layered.config()).faults.regionOutages).toEqual([]);
      expect((await layered.config()).rateLimit).toEqual({ perSecond: 20, burst: 100 });
    } finally {
      if (previous === undefined) delete process.env.PROVISIO_SIM_FAULTS;
      else process.env.PROVISIO_SIM_FAULTS = previous;
    }
  });

  it("names the variable and the field of a bad setting", () => {
    expect(() => configFromEnv({ PROVISIO_SIM_FAULTS: "{nope" })).toThrow(/^PROVISIO_SIM_FAULTS: not valid JSON/);
    expect(() => configFromEnv({ PROVISIO_SIM_FAULTS: '{"faults":{"errorRate":{"create":2}}}' })).toThrow(
      "PROVISIO_SIM_FAULTS: faults.errorRate.create: must be between 0 and 1",
    );
    expect(() => configFromEnv({ PROVISIO_SIM_FAULTS: '{"faults":{"outage":["eu-west-1"]}}' })).toThrow(
      "PROVISIO_SIM_FAULTS: faults.outage: is not a setting of the simulator",
    );
  });
});

function sequence(values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length] ?? 0;
}

/**
 * The read cache of the list and page procedures (issue 19), on a real database: another
 * process's write reaches it through the trigger's NOTIFY; a tRPC mutation is read back at once;
 * two teams never share an entry; while the LISTEN connection is down every read goes to the
 * database; the bounds hold; costs accrue at the time of the read, not of the cached query.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Database } from "~/db/client";
import { createLogger } from "~/server/logger";
import { accrueListTo } from "~/server/services/environments";
import { submitRequest } from "~/server/services/requests";
import { loadViewer } from "~/server/services/users";
import { createTestDatabase } from "~/testing/db";
import { callerFor, makeTeam, makeUser } from "~/testing/fixtures";
import { templateYaml, uniqueTemplateName } from "~/testing/templates";
import { dropLiveConnection } from "./live-events";
import { createReadCache, deriveAnswer, ReadCache, serializeAnswer } from "./read-cache";
import { createCaller } from "./root";
import { createContext } from "./trpc";

const quiet = createLogger(undefined, "silent");
const bounds = { maxEntries: 100, maxBytes: 1024 * 1024 };
let db: Database;
let url: string;
let template: string;
const team = {} as Record<"a" | "b", string>;
const person = {} as Record<"devA" | "devB" | "admin", string>;

beforeAll(async () => {
  ({ db, url } = await createTestDatabase());
  for (const key of ["devA", "devB", "admin"] as const)
    person[key] = (await makeUser(db, { globalRole: key === "admin" ? "admin" : null, name: key })).id;
  team.a = (await makeTeam(db, [{ userId: person.devA, role: "member" }])).id;
  team.b = (await makeTeam(db, [{ userId: person.devB, role: "member" }])).id;
  template = uniqueTemplateName("cache");
  const admin = await callerFor(db, person.admin);
  const draft = await admin.templateAdmin.createDraft({ yaml: templateYaml(template) });
  await admin.templateAdmin.publish({ versionId: draft.versionId, expectedLockVersion: draft.lockVersion });
});

/** The API as `userId` through `cache`, like a call over HTTP in the web process. */
async function cachedApi(cache: ReadCache, userId: string) {
  return createCaller(createContext(db, await loadViewer(db, userId), { log: quiet, readCache: cache }));
}

const submission = (teamId: string) => ({
  teamId,
  templateName: template,
  tier: "dev" as const,
  environmentName: `env-${randomUUID().slice(0, 8)}`,
  ttlHours: 24,
  parameters: {},
  justification: "Read cache test",
  clientRequestId: randomUUID(),
});

/** A write outside tRPC (a service call, as the worker makes): only the database's notification tells the cache. */
async function submitDirectly(userId: string, teamId: string) {
  return submitRequest(db, (await loadViewer(db, userId))!, submission(teamId));
}

const ids = (list: { requests: { id: string }[] }) => list.requests.map((r) => r.id);

describe("read cache fed by the database's notifications", () => {
  let cache: ReturnType<typeof createReadCache>;
  beforeAll(async () => {
    cache = createReadCache(url, bounds);
    await vi.waitFor(() => expect(cache.isListening).toBe(true), { timeout: 20_000, interval: 20 });
  });
  afterAll(() => cache.stop());

  it("keeps a list until another process writes, then reads the write", async () => {
    const api = await cachedApi(cache, person.devA);
    const first = await submitDirectly(person.devA, team.a);
    // Once the submission's own notifications are in, the list is served from the cache.
    await vi.waitFor(
      async () => {
        const hits = cache.snapshot().hits;
        expect(ids(await api.requests.list({}))).toContain(first.id);
        expect(cache.snapshot().hits).toBe(hits + 1);
      },
      { timeout: 20_000, interval: 20 },
    );

    // Another process (a second client, as the worker would) renames it: the trigger's NOTIFY invalidates the entry.
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      await other.query("update requests set environment_name = $1 where id = $2", ["renamed-elsewhere", first.id]);
    } finally {
      await other.end();
    }
    await vi.waitFor(
      async () => expect((await api.requests.list({})).requests.find((r) => r.id === first.id)?.environmentName).toBe("renamed-elsewhere"),
      { timeout: 20_000, interval: 20 },
    );
  });

  it("sends one notification per transaction and team, whatever the rows", async () => {
    const listener = new pg.Client({ connectionString: url });
    await listener.connect();
    const heard: string[] = [];
    listener.on("notification", (m) => heard.push(m.payload ?? ""));
    await listener.query("LISTEN provisio_reads");
    try {
      // Notifications arrive in commit order: once team B's (a later transaction) is here, every earlier one is too.
      const settled = async () => {
        heard.length = 0;
        await submitDirectly(person.devB, team.b);
        await vi.waitFor(() => expect(heard).toContain(team.b), { timeout: 20_000, interval: 20 });
      };
      const rows = [await submitDirectly(person.devA, team.a), await submitDirectly(person.devA, team.a)];
      await settled();
      heard.length = 0;
      await db.transaction(async (tx) => {
        for (const row of rows) await tx.execute(`update requests set justification = 'twice' where id = '${row.id}'`);
      });
      await submitDirectly(person.devB, team.b);
      await vi.waitFor(() => expect(heard).toContain(team.b), { timeout: 20_000, interval: 20 });
      expect(heard.filter((p) => p === team.a)).toHaveLength(1);
    } finally {
      await listener.end();
    }
  });

  it("bypasses itself while the LISTEN connection is down, and drops what it kept", async () => {
    const api = await cachedApi(cache, person.devA);
    await api.requests.list({});
    await api.requests.list({});
    expect(cache.snapshot().entries).toBeGreaterThan(0);

    await dropLiveConnection();
    await vi.waitFor(() => expect(cache.isListening).toBe(false), { timeout: 20_000, interval: 20 });
    expect(cache.snapshot().entries).toBe(0);
    const bypassed = cache.snapshot().bypasses;
    // Written meanwhile, outside tRPC: a down connection would never tell the cache, so it must read the database.
    const unseen = await submitDirectly(person.devA, team.a);
    expect(ids(await api.requests.list({}))).toContain(unseen.id);
    expect(cache.snapshot().bypasses).toBe(bypassed + 1);
    expect(cache.snapshot().entries).toBe(0);

    // A bypassed read asks for the connection again; once it is up the cache serves again.
    await vi.waitFor(
      async () => {
        await api.requests.list({});
        expect(cache.isListening).toBe(true);
      },
      { timeout: 20_000, interval: 100 },
    );
    await vi.waitFor(
      async () => {
        const hits = cache.snapshot().hits;
        expect(ids(await api.requests.list({}))).toContain(unseen.id);
        expect(cache.snapshot().hits).toBe(hits + 1);
      },
      { timeout: 20_000, interval: 20 },
    );
  });
});

describe("read cache without notifications (a connection that is up but hears nothing)", () => {
  let cache: ReadCache;
  beforeAll(() => {
    cache = new ReadCache(bounds);
    cache.connected(true);
  });
  afterAll(() => cache.dispose());

  it("reads the caller's own tRPC write at once, while a write it was not told about stays unseen", async () => {
    const api = await cachedApi(cache, person.devA);
    const before = await api.requests.list({});
    const unseen = await submitDirectly(person.devA, team.a);
    expect(ids(await api.requests.list({}))).toEqual(ids(before));

    const mine = await api.requests.submit(submission(team.a));
    const after = ids(await api.requests.list({}));
    expect(after).toContain(mine.id);
    expect(after).toContain(unseen.id);
  });

  it("never serves one team's cached rows to another team, nor one viewer's to another", async () => {
    const [apiA, apiB, admin] = [await cachedApi(cache, person.devA), await cachedApi(cache, person.devB), await cachedApi(cache, person.admin)];
    const a = await submitDirectly(person.devA, team.a);
    const b = await submitDirectly(person.devB, team.b);
    cache.everythingChanged();
    for (let i = 0; i < 2; i++) {
      const [listA, listB, all] = [ids(await apiA.requests.list({})), ids(await apiB.requests.list({})), ids(await admin.requests.list({}))];
      expect(listA).toContain(a.id);
      expect(listA).not.toContain(b.id);
      expect(listB).toContain(b.id);
      expect(listB).not.toContain(a.id);
      expect(all).toEqual(expect.arrayContaining([a.id, b.id]));
    }
    // The request page too: another team's id answers NOT_FOUND however often it was read by its own team.
    await apiB.requests.get({ requestId: b.id });
    await expect(apiA.requests.get({ requestId: b.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("read cache bounds", () => {
  const value = (n: number) => ({ n, text: "x".repeat(100) });

  it("keeps at most maxEntries, dropping the least recently used", async () => {
    const cache = new ReadCache({ maxEntries: 3, maxBytes: 1024 * 1024 });
    cache.connected(true);
    const computed: string[] = [];
    const read = (key: string) => cache.read(key, [], async () => (computed.push(key), value(computed.length)));
    for (const key of ["a", "b", "c"]) await read(key);
    await read("a"); // now the most recently used
    await read("d"); // evicts b
    expect(cache.snapshot().entries).toBe(3);
    computed.length = 0;
    for (const key of ["a", "c", "d", "b"]) await read(key);
    expect(computed).toEqual(["b"]);
    cache.dispose();
  });

  it("keeps at most maxBytes, and never an answer larger than that", async () => {
    const cache = new ReadCache({ maxEntries: 1_000, maxBytes: 2_000 });
    cache.connected(true);
    for (let i = 0; i < 50; i++) await cache.read(`k${i}`, [], async () => value(i));
    expect(cache.snapshot().bytes).toBeLessThanOrEqual(2_000);
    expect(cache.snapshot().entries).toBeGreaterThan(0);
    expect(cache.snapshot().entries).toBeLessThan(50);
    await cache.read("huge", [], async () => ({ text: "y".repeat(5_000) }));
    expect(cache.snapshot().bytes).toBeLessThanOrEqual(2_000);
    let computed = 0;
    await cache.read("huge", [], async () => (computed++, {}));
    expect(computed).toBe(1);
    cache.dispose();
  });

  it("does not keep an answer whose team changed while it was computed", async () => {
    const cache = new ReadCache(bounds);
    cache.connected(true);
    await cache.read("k", ["t1"], async () => {
      cache.changed("t1");
      return value(1);
    });
    expect(cache.snapshot().entries).toBe(0);
    cache.dispose();
  });
});

describe("serialising shared answers", () => {
  it("serialises a kept answer once, and reuses a derived one while its changing figures are the same", async () => {
    const cache = new ReadCache(bounds);
    cache.connected(true);
    const kept = await cache.read("k", [], async () => ({ at: new Date(0), cents: 1 }));
    expect(serializeAnswer(kept)).toBe(serializeAnswer(kept));
    expect(serializeAnswer(kept)).toMatchObject({ json: { at: new Date(0).toISOString(), cents: 1 }, meta: { values: { at: ["Date"] } } });
    const fresh = { at: new Date(0) };
    expect(serializeAnswer(fresh)).not.toBe(serializeAnswer(fresh));

    let extra = 0;
    const derive = () =>
      deriveAnswer(
        kept,
        (k) => ({ ...k, cents: k.cents + extra }),
        (a) => String(a.cents),
      );
    const first = derive();
    expect(derive()).toBe(first);
    extra = 1;
    const second = derive();
    expect(second).not.toBe(first);
    expect(second.cents).toBe(2);
    expect(serializeAnswer(second)).toBe(serializeAnswer(second));
    cache.dispose();
  });
});

describe("costs of a cached environment list", () => {
  it("accrue at the time of the read, at the open hourly rate", () => {
    const asOf = new Date("2026-01-01T00:00:00Z");
    const list = {
      asOf,
      environments: [{ id: "e", hourlyMicros: 1_000_000, accruedMicros: 2_500_000 }],
      nextCursor: null,
      templateNames: null,
    } as unknown as Parameters<typeof accrueListTo>[0];
    expect(accrueListTo(list, asOf).environments[0]!.accruedCents).toBe(250);
    expect(accrueListTo(list, new Date(asOf.getTime() + 90 * 60_000)).environments[0]!.accruedCents).toBe(400);
  });
});

/**
 * HTTP read benchmark (`npm run bench`, issue 19): the production build on its own embedded
 * PostgreSQL, seeded so every list answers a full page of 25 rows, one signed-in approver, 20
 * connections per call. Prints `http_<name>_rps`, `_p50_ms`, `_p95_ms`, each list's ratio to the
 * `me.get` floor of the same run (`_vs_floor`), and the web process's RSS before and after.
 *
 *   tsx bench/http.bench.ts [--seconds N] [--connections N] [--rounds N] [--profile DIR] [--explain]
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from "node:fs";
import autocannon from "autocannon";
import { and, eq, inArray } from "drizzle-orm";
import { connect, disconnectAll } from "~/db/client";
import { environments, requests, teams, users } from "~/db/schema";
import { demoSessionCookie, trpcQueryPath } from "~/scripts/lib/http-session";
import { treeRssMiB } from "~/scripts/lib/process-rss";
import { startThrowawayStack } from "~/scripts/lib/throwaway-stack";
import { explainCalls } from "./lib/explain-calls";
import { createSimEngine } from "~/server/engines/sim/engine";
import { decideRequest } from "~/server/services/approvals";
import { submitRequest } from "~/server/services/requests";
import { loadViewer } from "~/server/services/users";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "8" },
    connections: { type: "string", default: "20" },
    rounds: { type: "string", default: "4" },
    profile: { type: "string" },
    /** Print every call's SQL with EXPLAIN (ANALYZE, BUFFERS) on the seeded data, before the load. */
    explain: { type: "boolean", default: false },
  },
});
const seconds = Number(values.seconds);
/** Each call's seconds are split into rounds taken in turn, so a noisy neighbour spreads over every call alike and ratios hold. */
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const PAGE = 25;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const print = (name: string, value: number | string | null, unit = "") =>
  console.log(
    `${name}: ${value === null ? "n/a" : typeof value === "number" ? (Number.isInteger(value) ? value : value.toFixed(2)) : value}${unit ? ` ${unit}` : ""}`,
  );

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

type Figures = { rps: number; p50: number; p95: number; non2xx: number; errors: number; webCpuMs: number; pgCpuMs: number; cache: CacheCounts };
type Tally = {
  latencies: number[];
  requests: number;
  seconds: number;
  non2xx: number;
  errors: number;
  webCpuMs: number;
  pgCpuMs: number;
  cache: CacheCounts;
};
type CacheCounts = { hit: number; miss: number; bypass: number };

/** The web process's read cache lookups so far, from /api/metrics (server/api/read-cache.ts). */
const metricsToken = randomUUID() + randomUUID();
async function cacheCounts(): Promise<CacheCounts & { entries: number; bytes: number }> {
  const response = await fetch(`${stack.url}/api/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
  const text = await response.text();
  const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
  return {
    hit: value(/provisio_read_cache_lookups_total\{outcome="hit"\} (\d+)/),
    miss: value(/provisio_read_cache_lookups_total\{outcome="miss"\} (\d+)/),
    bypass: value(/provisio_read_cache_lookups_total\{outcome="bypass"\} (\d+)/),
    entries: value(/provisio_read_cache_entries (\d+)/),
    bytes: value(/provisio_read_cache_bytes (\d+)/),
  };
}

/** CPU time (user + system) of a process and its descendants in ms, from /proc: robust to a busy machine, unlike rps. */
function treeCpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      stats.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // ended meanwhile
    }
  }
  let ticks = 0;
  const pending = [pid];
  while (pending.length) {
    const current = pending.pop()!;
    ticks += stats.get(current)?.ticks ?? 0;
    for (const [child, s] of stats) if (s.ppid === current) pending.push(child);
  }
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

/** The embedded PostgreSQL's postmaster serving this port (its backends are its children). */
function postmasterOf(port: string): number | undefined {
  for (const entry of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (cmdline[0]?.endsWith("postgres") && cmdline.includes(port)) return Number(entry);
    } catch {
      // ended meanwhile
    }
  }
  return undefined;
}

/**
 * --profile: the web process writes its profile so far and starts a new one (bench/lib/cpu-profile.mjs);
 * kept as DIR/<label>.cpuprofile, so each call's load has a profile of its own.
 */
async function cutProfile(label: string): Promise<string | null> {
  const pid = stack.pids().web;
  if (!values.profile || pid === undefined) return null;
  const written = path.join(values.profile, `${pid}.cpuprofile`);
  process.kill(pid, "SIGUSR2");
  for (let i = 0; i < 200; i++) {
    await sleep(100);
    if (!existsSync(written)) continue;
    try {
      JSON.parse(readFileSync(written, "utf8"));
    } catch {
      continue; // still being written
    }
    const kept = path.join(values.profile, `${label}.cpuprofile`);
    renameSync(written, kept);
    return kept;
  }
  throw new Error(`the web process wrote no profile for ${label} in 20 s`);
}

async function hammer(url: string, cookie: string, tally: Tally): Promise<void> {
  const web = stack.pids().web;
  const cache0 = await cacheCounts();
  const [web0, pg0] = [treeCpuMs(web), treeCpuMs(postmaster)];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({ url, connections, duration: seconds / rounds, timeout: 30, headers: { cookie } }, (error, done) =>
      error ? reject(error) : resolve(done),
    );
    instance.on("response", (_client, _status, _bytes, responseTime) => tally.latencies.push(responseTime));
  });
  tally.webCpuMs += treeCpuMs(web) - web0;
  tally.pgCpuMs += treeCpuMs(postmaster) - pg0;
  const cache1 = await cacheCounts();
  for (const outcome of ["hit", "miss", "bypass"] as const) tally.cache[outcome] += cache1[outcome] - cache0[outcome];
  tally.requests += result.requests.total;
  tally.seconds += result.duration;
  tally.non2xx += result.non2xx;
  tally.errors += result.errors;
}

function figuresOf(tally: Tally): Figures {
  const sorted = [...tally.latencies].sort((a, b) => a - b);
  return {
    rps: tally.requests / tally.seconds,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    non2xx: tally.non2xx,
    errors: tally.errors,
    webCpuMs: tally.webCpuMs / tally.requests,
    pgCpuMs: tally.pgCpuMs / tally.requests,
    cache: tally.cache,
  };
}

const stack = await startThrowawayStack({
  prefix: "provisio-bench-http-",
  // --profile DIR: a CPU profile of the web process over the load (bench/lib/cpu-profile.cjs), summarised at the end.
  env: {
    WORKER_CONCURRENCY: "20",
    PROVISIO_METRICS_TOKEN: metricsToken,
    ...(values.profile
      ? {
          NODE_OPTIONS: `--import ${pathToFileURL(path.join(import.meta.dirname, "lib", "cpu-profile.mjs")).href}`,
          PROVISIO_BENCH_CPU_PROFILE_DIR: values.profile,
        }
      : {}),
  },
});
if (values.profile) mkdirSync(values.profile, { recursive: true });
let exitCode = 0;
let postmaster: number | undefined;
try {
  const { db } = connect(stack.databaseUrl, 5);
  postmaster = postmasterOf(new URL(stack.databaseUrl).port);
  const sim = createSimEngine({ db });
  await sim.cloud.configure({
    latency: { baseMs: 0, jitterMs: 0 },
    bootDelayMs: { instance: 0 },
    rateLimit: null,
    quotas: { "*": { vcpus: 1_000_000, instances: 1_000_000, gpus: 1_000 } },
  });
  const [team] = await db.select().from(teams).where(eq(teams.slug, "data-science"));
  const developerRow = (await db.select().from(users).where(eq(users.email, "dev@provisio.local")))[0];
  const approverRow = (await db.select().from(users).where(eq(users.email, "approver@provisio.local")))[0];
  if (!team || !developerRow || !approverRow) throw new Error("demo data missing");
  const developer = (await loadViewer(db, developerRow.id))!;
  const approver = (await loadViewer(db, approverRow.id))!;
  await db.update(teams).set({ monthlyBudgetCents: 100_000_000, quotaVcpus: null, quotaInstances: null }).where(eq(teams.id, team.id));

  // Seed: PAGE approved requests (→ environments) and PAGE pending ones (→ the approver's inbox).
  const submitted: string[] = [];
  for (let i = 0; i < 2 * PAGE; i++) {
    const { id } = await submitRequest(db, developer, {
      teamId: team.id,
      templateName: "bastion-host",
      tier: "staging",
      environmentName: `http-${i}`,
      ttlHours: 24,
      parameters: {},
      justification: "HTTP benchmark environment",
      clientRequestId: randomUUID(),
    });
    submitted.push(id);
  }
  for (const id of submitted.slice(0, PAGE))
    await decideRequest(db, approver, { requestId: id, expectedVersion: 1, decision: "approved", comment: "" });
  const deadline = Date.now() + 120_000;
  while ((await db.$count(environments, and(eq(environments.teamId, team.id), inArray(environments.status, ["provisioning"])))) > 0) {
    if (Date.now() > deadline) throw new Error("seeded environments did not become ready in 120 s");
    await sleep(200);
  }
  const [someRequest] = await db.select({ id: requests.id }).from(requests).where(eq(requests.id, submitted[0]!));
  const [someEnvironment] = await db.select({ id: environments.id }).from(environments).where(eq(environments.requestId, submitted[0]!));
  if (!someRequest || !someEnvironment) throw new Error("seeded request or environment missing");

  if (values.explain) {
    await explainCalls(
      stack.databaseUrl,
      approver,
      [
        { name: "catalog_list", run: (api) => api.catalog.list() },
        { name: "requests_list", run: (api) => api.requests.list({}) },
        { name: "environments_list", run: (api) => api.environments.list({ scope: "teams" }) },
        { name: "approvals_inbox", run: (api) => api.approvals.inbox() },
        { name: "request_page", run: (api) => api.requests.get({ requestId: someRequest.id }) },
        { name: "environment_page", run: (api) => api.environments.get({ environmentId: someEnvironment.id }) },
      ],
      (line) => console.log(line),
    );
  }

  const cookie = await demoSessionCookie(stack.url, "approver@provisio.local");
  const calls: { name: string; path: string; list?: (body: unknown) => number }[] = [
    { name: "health", path: "/api/health" },
    { name: "me_get", path: trpcQueryPath("me.get") },
    { name: "catalog_list", path: trpcQueryPath("catalog.list"), list: (b) => (b as unknown[]).length },
    { name: "requests_list", path: trpcQueryPath("requests.list", {}), list: (b) => (b as { requests: unknown[] }).requests.length },
    {
      name: "environments_list",
      path: trpcQueryPath("environments.list", { scope: "teams" }),
      list: (b) => (b as { environments: unknown[] }).environments.length,
    },
    { name: "approvals_inbox", path: trpcQueryPath("approvals.inbox"), list: (b) => (Array.isArray(b) ? b.length : Object.keys(b as object).length) },
    { name: "request_page", path: trpcQueryPath("requests.get", { requestId: someRequest.id }) },
    { name: "environment_page", path: trpcQueryPath("environments.get", { environmentId: someEnvironment.id }) },
  ];
  // Warm-up: every call answers 200 (and each list its page), so a broken setup fails here, clearly.
  for (const call of calls) {
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${stack.url}${call.path}`, { headers: { cookie } });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`warm-up: GET ${call.path} answered ${response.status}: ${text.slice(0, 300)}`);
      if (i === 0) print(`http_${call.name}_bytes`, Buffer.byteLength(text));
      if (call.list && i === 0)
        print(`http_${call.name}_rows`, call.list((JSON.parse(text) as { result: { data: { json: unknown } } }).result.data.json));
    }
  }

  const web = () => treeRssMiB(stack.pids().web);
  const worker = () => treeRssMiB(stack.pids().worker);
  print("http_web_rss_before_mib", web(), "MiB");
  print("http_worker_rss_before_mib", worker(), "MiB");
  let peak = web() ?? 0;
  const sampler = setInterval(() => (peak = Math.max(peak, web() ?? 0)), 500);
  const tallies = new Map<string, Tally>(
    calls.map((c) => [
      c.name,
      { latencies: [], requests: 0, seconds: 0, non2xx: 0, errors: 0, webCpuMs: 0, pgCpuMs: 0, cache: { hit: 0, miss: 0, bypass: 0 } },
    ]),
  );
  await cutProfile("start-up");
  for (let round = 0; round < rounds; round++)
    for (const call of calls) {
      await hammer(`${stack.url}${call.path}`, cookie, tallies.get(call.name)!);
      await cutProfile(`${call.name}-${round + 1}`);
    }
  const results = new Map<string, Figures>();
  for (const call of calls) {
    const figures = figuresOf(tallies.get(call.name)!);
    results.set(call.name, figures);
    print(`http_${call.name}_rps`, figures.rps);
    print(`http_${call.name}_p50_ms`, figures.p50, "ms");
    print(`http_${call.name}_p95_ms`, figures.p95, "ms");
    print(`http_${call.name}_web_cpu_ms_per_call`, figures.webCpuMs, "ms");
    print(`http_${call.name}_pg_cpu_ms_per_call`, figures.pgCpuMs, "ms");
    // The read cache's hit rate over this call's load (lists and pages only; n/a where nothing is cached).
    const lookups = figures.cache.hit + figures.cache.miss + figures.cache.bypass;
    if (lookups) print(`http_${call.name}_cache_hit_rate`, figures.cache.hit / lookups);
    if (figures.non2xx || figures.errors) {
      print(`http_${call.name}_failures`, `${figures.non2xx} non-2xx, ${figures.errors} errors`);
      exitCode = 1;
    }
  }
  clearInterval(sampler);
  // One profile per call and round (bench/lib/profile-summary.ts reads them).
  if (values.profile) print("http_web_profiles", `${values.profile}/<call>-<round>.cpuprofile`);
  const floor = results.get("me_get")!.rps;
  print("http_floor_vs_health", floor / results.get("health")!.rps);
  for (const call of calls.slice(2)) print(`http_${call.name}_vs_floor`, results.get(call.name)!.rps / floor);
  // The same ratio from the web process's CPU per call (floor's / the call's): steadier than rps on a busy machine.
  const floorCpu = results.get("me_get")!.webCpuMs;
  for (const call of calls.slice(2)) print(`http_${call.name}_cpu_vs_floor`, floorCpu / results.get(call.name)!.webCpuMs);
  const cacheEnd = await cacheCounts();
  print("http_read_cache_entries", cacheEnd.entries);
  print("http_read_cache_kib", cacheEnd.bytes / 1024, "KiB");
  print("http_web_rss_peak_mib", peak, "MiB");
  print("http_web_rss_after_mib", web(), "MiB");
  // After a quiet moment (what the process keeps, not what it holds mid-load).
  await sleep(5_000);
  print("http_web_rss_after_idle_mib", web(), "MiB");
  print("http_worker_rss_after_mib", worker(), "MiB");
  await disconnectAll();
} catch (error) {
  console.error(`http bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  exitCode = 1;
} finally {
  await stack.dispose();
}
process.exit(exitCode);

/**
 * A load run against a running Provisio: `users` connections, each signed in as one of the demo
 * personas, cycling through that persona's tRPC queries and pages for `seconds`. Returns the
 * figures (throughput, latency percentiles, answers by class, memory of web and worker).
 */
import autocannon from "autocannon";
import { demoSessionCookie, trpcQueryPath } from "./http-session";
import { treeRssMiB } from "./process-rss";

type Persona = { email: string; paths: string[] };

const everyone = [
  trpcQueryPath("me.get"),
  trpcQueryPath("catalog.list"),
  trpcQueryPath("requests.list", {}),
  trpcQueryPath("environments.list", {}),
  trpcQueryPath("notifications.unreadCount"),
  "/catalog",
  "/requests",
  "/environments",
];

/** The seeded demo users and what each one typically looks at. */
export const loadPersonas: Persona[] = [
  { email: "dev@provisio.local", paths: [...everyone, "/costs"] },
  { email: "approver@provisio.local", paths: [...everyone, trpcQueryPath("approvals.inbox"), "/approvals"] },
  { email: "admin@provisio.local", paths: [...everyone, trpcQueryPath("approvals.inbox"), "/admin", "/costs"] },
  { email: "auditor@provisio.local", paths: [...everyone, "/audit"] },
];

export type LoadOptions = {
  baseUrl: string;
  users: number;
  seconds: number;
  /** Processes whose memory is sampled (web and worker of the stack under test). */
  pids?: () => { web?: number; worker?: number };
  personas?: Persona[];
};

export type LoadFigures = {
  users: number;
  seconds: number;
  requests: number;
  rps: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  status: { "2xx": number; "3xx": number; "4xx": number; "5xx": number };
  /** Connection errors, timeouts included. */
  errors: number;
  timeouts: number;
  /** Non-2xx answers by status and path (what to look at when the run fails). */
  failures: Record<string, number>;
  rss: { web: MemoryFigures; worker: MemoryFigures };
};

type MemoryFigures = { beforeMiB: number | null; peakMiB: number | null; afterMiB: number | null };

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);
}

/** Signs every persona in and checks each path answers 200 once, so a broken setup fails here with a clear message. */
async function prepare(baseUrl: string, personas: Persona[]) {
  const signedIn: { cookie: string; paths: string[] }[] = [];
  for (const persona of personas) {
    const cookie = await demoSessionCookie(baseUrl, persona.email);
    for (const path of persona.paths) {
      const response = await fetch(`${baseUrl}${path}`, { headers: { cookie }, redirect: "manual" });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`warm-up: ${persona.email} GET ${path} answered ${response.status}`);
    }
    signedIn.push({ cookie, paths: persona.paths });
  }
  return signedIn;
}

export async function runLoad(options: LoadOptions): Promise<LoadFigures> {
  const signedIn = await prepare(options.baseUrl, options.personas ?? loadPersonas);
  const memory = (which: "web" | "worker") => treeRssMiB(options.pids?.()[which]);
  const rss = {
    web: { beforeMiB: memory("web"), peakMiB: memory("web"), afterMiB: null as number | null },
    worker: { beforeMiB: memory("worker"), peakMiB: memory("worker"), afterMiB: null as number | null },
  };
  const sampler = setInterval(() => {
    for (const which of ["web", "worker"] as const) {
      const now = memory(which);
      if (now !== null) rss[which].peakMiB = Math.max(rss[which].peakMiB ?? 0, now);
    }
  }, 500);

  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  let nextClient = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.baseUrl,
        connections: options.users,
        duration: options.seconds,
        timeout: 30,
        setupClient(client) {
          // Round-robin: each connection is one signed-in person cycling through their pages.
          const persona = signedIn[nextClient++ % signedIn.length]!;
          client.setRequests(
            persona.paths.map((path) => ({
              method: "GET" as const,
              path,
              headers: { cookie: persona.cookie },
              onResponse: (status: number) => {
                if (status < 200 || status > 299) failures[`${status} ${path}`] = (failures[`${status} ${path}`] ?? 0) + 1;
              },
            })),
          );
        },
      },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
    instance.on("response", (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  }).finally(() => clearInterval(sampler));
  rss.web.afterMiB = memory("web");
  rss.worker.afterMiB = memory("worker");

  latencies.sort((a, b) => a - b);
  return {
    users: options.users,
    seconds: options.seconds,
    requests: result.requests.total,
    rps: Math.round((result.requests.total / result.duration) * 10) / 10,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    p99Ms: percentile(latencies, 99),
    maxMs: Math.round(latencies.at(-1) ?? 0),
    status: { "2xx": result["2xx"], "3xx": result["3xx"], "4xx": result["4xx"], "5xx": result["5xx"] },
    errors: result.errors,
    timeouts: result.timeouts,
    failures,
    rss,
  };
}

const mib = (value: number | null) => (value === null ? "n/a" : `${value} MiB`);

/** Human lines, then one machine-readable line (`load_<name>=<value>`). */
export function describeLoad(figures: LoadFigures): string[] {
  const { rss } = figures;
  return [
    `load: ${figures.users} users × ${figures.seconds} s: ${figures.requests} requests, ${figures.rps} rps`,
    `load: latency p50 ${figures.p50Ms} ms, p95 ${figures.p95Ms} ms, p99 ${figures.p99Ms} ms, max ${figures.maxMs} ms`,
    `load: answers 2xx ${figures.status["2xx"]}, 3xx ${figures.status["3xx"]}, 4xx ${figures.status["4xx"]}, 5xx ${figures.status["5xx"]}; connection errors ${figures.errors} (timeouts ${figures.timeouts})`,
    ...Object.entries(figures.failures).map(([what, count]) => `load:   ${count} × ${what}`),
    `load: web RSS ${mib(rss.web.beforeMiB)} before, ${mib(rss.web.peakMiB)} peak, ${mib(rss.web.afterMiB)} after; worker RSS ${mib(rss.worker.beforeMiB)} before, ${mib(rss.worker.peakMiB)} peak, ${mib(rss.worker.afterMiB)} after`,
    [
      `load_users=${figures.users}`,
      `load_seconds=${figures.seconds}`,
      `load_rps=${figures.rps}`,
      `load_p50_ms=${figures.p50Ms}`,
      `load_p95_ms=${figures.p95Ms}`,
      `load_5xx=${figures.status["5xx"]}`,
      `load_non2xx=${figures.status["3xx"] + figures.status["4xx"] + figures.status["5xx"]}`,
      `load_errors=${figures.errors}`,
      `load_web_rss_peak_mib=${rss.web.peakMiB ?? "n/a"}`,
      `load_worker_rss_peak_mib=${rss.worker.peakMiB ?? "n/a"}`,
    ].join(" "),
  ];
}

/** What makes a run fail: any 5xx, any other non-2xx (a broken session or route), any error or timeout. */
export function loadProblems(figures: LoadFigures): string[] {
  const problems: string[] = [];
  if (figures.requests === 0) problems.push("no request completed");
  if (figures.status["5xx"] > 0) problems.push(`${figures.status["5xx"]} answers were 5xx`);
  const other = figures.status["3xx"] + figures.status["4xx"];
  if (other > 0) problems.push(`${other} answers were 3xx/4xx (sessions or routes broken under load)`);
  if (figures.errors > 0) problems.push(`${figures.errors} connection errors (${figures.timeouts} of them timeouts after 30 s)`);
  return problems;
}

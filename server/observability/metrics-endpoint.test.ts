import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDatabase } from "~/testing/db";
import { parsePrometheusText } from "~/testing/prometheus";
import { bearerToken, metricsResponse, tokenMatches } from "./metrics-endpoint";
import type { Metrics } from "./metrics";

// The route imports server/db.ts, which is marked server-only (a no-op outside React's bundler).
vi.mock("server-only", () => ({}));

const token = "test-metrics-token-0123456789abcdef";
const scrape = (headers: Record<string, string> = {}) => new Request("http://localhost/api/metrics", { headers });
const fakeMetrics: Metrics = {
  contentType: "text/plain; version=0.0.4; charset=utf-8",
  scrape: async () => "# HELP provisio_x x\n# TYPE provisio_x gauge\nprovisio_x 1\n",
};

describe("metrics token", () => {
  it("matches only the exact token, whatever the length of the guess", () => {
    expect(tokenMatches(token, token)).toBe(true);
    expect(tokenMatches(`${token}x`, token)).toBe(false);
    expect(tokenMatches(token.slice(0, -1), token)).toBe(false);
    expect(tokenMatches("", token)).toBe(false);
    expect(tokenMatches(token.toUpperCase(), token)).toBe(false);
  });

  it("reads a Bearer token from the Authorization header", () => {
    expect(bearerToken(`Bearer ${token}`)).toBe(token);
    expect(bearerToken(`bearer  ${token} `)).toBe(token);
    expect(bearerToken(`Basic ${token}`)).toBeNull();
    expect(bearerToken(`Bearer ${token} extra`)).toBeNull();
    expect(bearerToken(null)).toBeNull();
  });
});

describe("metricsResponse", () => {
  it("is closed when no token is configured: 403 saying how to enable it, no data", async () => {
    const response = await metricsResponse(scrape({ authorization: `Bearer ${token}` }), { token: undefined, metrics: () => fakeMetrics });
    expect(response.status).toBe(403);
    const body = await response.text();
    expect(body).toContain("metrics are disabled: set PROVISIO_METRICS_TOKEN");
    expect(body).not.toContain("provisio_x");
  });

  it("answers 401 without data to a missing, wrong or non-Bearer token", async () => {
    for (const [headers, message] of [
      [{}, "missing metrics token"],
      [{ authorization: "Bearer wrong-token-wrong-token-wrong" }, "invalid metrics token"],
      [{ authorization: `Basic ${token}` }, "missing metrics token"],
    ] as const) {
      const response = await metricsResponse(scrape(headers), { token, metrics: () => fakeMetrics });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('Bearer realm="provisio-metrics"');
      const body = await response.text();
      expect(body).toContain(message);
      expect(body).not.toContain("provisio_x");
      expect(body).not.toContain(token);
    }
  });

  it("answers 503 (and logs) when the database does not answer", async () => {
    const errors: unknown[] = [];
    const failing: Metrics = { ...fakeMetrics, scrape: () => Promise.reject(new Error("connection refused")) };
    const response = await metricsResponse(scrape({ authorization: `Bearer ${token}` }), {
      token,
      metrics: () => failing,
      log: { error: (o: unknown) => void errors.push(o) } as never,
    });
    expect(response.status).toBe(503);
    expect(await response.text()).toContain("metrics are unavailable");
    expect(errors).toHaveLength(1);
  });
});

describe("GET /api/metrics (the route itself)", () => {
  let GET: (request: Request) => Promise<Response>;
  const saved = { ...process.env };
  beforeAll(async () => {
    const { url } = await createTestDatabase();
    Object.assign(process.env, { DATABASE_URL: url, NEXTAUTH_SECRET: "x".repeat(32), PROVISIO_DEMO: "true", PROVISIO_METRICS_TOKEN: token });
    ({ GET } = await import("~/app/api/metrics/route"));
  });
  afterAll(() => {
    process.env = saved;
  });

  it("answers the Prometheus text format with the right token", async () => {
    const response = await GET(scrape({ authorization: `Bearer ${token}` }));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const metrics = parsePrometheusText(await response.text());
    expect(metrics.families.get("provisio_runs_total")?.type).toBe("counter");
    expect(metrics.value("provisio_environments_expired_destroyed_total")).toBe(0);
    // The web process's own metrics come along.
    expect(metrics.families.has("process_resident_memory_bytes")).toBe(true);
  });

  it("refuses a wrong token", async () => {
    const response = await GET(scrape({ authorization: "Bearer not-the-token-not-the-token" }));
    expect(response.status).toBe(401);
    expect(await response.text()).not.toContain("provisio_");
  });
});

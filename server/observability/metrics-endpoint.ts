/**
 * `GET /api/metrics`: closed by default. Without PROVISIO_METRICS_TOKEN the endpoint is disabled
 * (403); with it, a scraper must send `Authorization: Bearer <token>` (else 401, no data).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { logger as defaultLogger } from "~/server/logger";
import type { Metrics } from "./metrics";

/**
 * Compares a presented token with the configured one in constant time. Both are hashed first,
 * so neither the content nor the length of the secret leaks through timing.
 */
export function tokenMatches(presented: string, expected: string): boolean {
  const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | null): string | null {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? "");
  return match?.[1] ?? null;
}

type MetricsEndpointOptions = {
  /** PROVISIO_METRICS_TOKEN; undefined = metrics disabled. */
  token: string | undefined;
  metrics: () => Metrics;
  log?: Pick<typeof defaultLogger, "error">;
};

const plain = (status: number, message: string, headers: Record<string, string> = {}) =>
  new Response(`${message}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...headers } });

export async function metricsResponse(request: Request, options: MetricsEndpointOptions): Promise<Response> {
  if (!options.token)
    return plain(403, "metrics are disabled: set PROVISIO_METRICS_TOKEN (at least 24 characters) and scrape with Authorization: Bearer <token>");
  const presented = bearerToken(request.headers.get("authorization"));
  if (!presented || !tokenMatches(presented, options.token)) {
    return plain(401, presented ? "invalid metrics token" : "missing metrics token: send Authorization: Bearer <PROVISIO_METRICS_TOKEN>", {
      "www-authenticate": 'Bearer realm="provisio-metrics"',
    });
  }
  const metrics = options.metrics();
  try {
    const body = await metrics.scrape();
    return new Response(body, { status: 200, headers: { "content-type": metrics.contentType, "cache-control": "no-store" } });
  } catch (error) {
    (options.log ?? defaultLogger).error({ err: error }, "metrics scrape failed");
    return plain(503, "metrics are unavailable: the database did not answer (see the web log)");
  }
}

import { readCacheExposition } from "~/server/api/read-cache";
import { db } from "~/server/db";
import { env } from "~/server/env";
import { metricsResponse } from "~/server/observability/metrics-endpoint";
import { processMetrics } from "~/server/observability/metrics";

export const dynamic = "force-dynamic";

/** Prometheus metrics; needs `Authorization: Bearer $PROVISIO_METRICS_TOKEN` (disabled without a token). */
export async function GET(request: Request) {
  return metricsResponse(request, {
    token: env().PROVISIO_METRICS_TOKEN,
    metrics: () => {
      const metrics = processMetrics(db());
      // This web process's read cache (hit rate, size), after the database's figures.
      return { contentType: metrics.contentType, scrape: async () => `${await metrics.scrape()}${readCacheExposition()}` };
    },
  });
}

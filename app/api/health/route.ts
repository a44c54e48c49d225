import { db } from "~/server/db";
import { checkHealth } from "~/server/services/health";

export const dynamic = "force-dynamic";

/** 200 when the database answers and a worker heartbeat is younger than 30 s; 503 otherwise. */
export async function GET() {
  const health = await checkHealth(db());
  return Response.json(health, {
    status: health.status === "ok" ? 200 : 503,
    headers: { "cache-control": "no-store" },
  });
}

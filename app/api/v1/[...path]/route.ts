import { restHandler } from "~/server/api/rest/router";
import { db } from "~/server/db";
import { envVar } from "~/server/env";

export const dynamic = "force-dynamic";

/** The REST API (/api/v1/…, document at /api/v1/openapi.json): server/api/rest/. */
const handle = restHandler({
  db,
  limits: () => ({ perMinute: envVar("PROVISIO_API_RATE_PER_MINUTE"), burst: envVar("PROVISIO_API_BURST") }),
});

export const GET = handle;
export const POST = handle;
export const PUT = handle;
export const PATCH = handle;
export const DELETE = handle;

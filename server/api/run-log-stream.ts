/**
 * A run's log as server-sent events (the browser's run page and the REST API's
 * `GET /api/v1/runs/{runId}/log` with `Accept: text/event-stream`): every line so far, then each
 * new line the moment it is written (pushed through LISTEN/NOTIFY), a `status` event after each
 * batch, then `end` when the run finishes. `Last-Event-ID` (or `?after=`) resumes without
 * repeating lines. The caller has checked that the viewer may read the run.
 */
import type { Database } from "~/db/client";
import { env } from "~/server/env";
import { eventsAfter, runStatus, subscribe } from "./run-stream";

const terminal = new Set(["succeeded", "failed", "cancelled"]);

/** The stream's two reads; a test may wrap them to commit a run's outcome between them. */
export type RunLogReads = { eventsAfter: typeof eventsAfter; runStatus: typeof runStatus };

export function runLogStream(request: Request, database: Database, runId: string, reads: RunLogReads = { eventsAfter, runStatus }): Response {
  let lastId = Number(request.headers.get("last-event-id") ?? new URL(request.url).searchParams.get("after") ?? 0) || 0;
  const encoder = new TextEncoder();
  let cleanup = () => {};
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      let closed = false;
      let pumping = Promise.resolve();
      const send = (text: string) => {
        if (!closed) controller.enqueue(encoder.encode(text));
      };
      const close = () => {
        if (closed) return;
        closed = true;
        cleanup();
        controller.close();
      };
      const pump = () => {
        pumping = pumping
          .then(async () => {
            if (closed) return;
            // The status first, then the lines: a run's last lines commit with (or before) its final
            // status, so lines read after a final status include them all. Read the other way round,
            // an outcome committed between the reads ended the stream without its last lines.
            const status = await reads.runStatus(database, runId);
            for (;;) {
              const rows = await reads.eventsAfter(database, runId, lastId);
              for (const row of rows) {
                lastId = row.id;
                send(
                  `id: ${row.id}\nevent: log\ndata: ${JSON.stringify({ id: row.id, at: row.at, level: row.level, message: row.message, address: row.address })}\n\n`,
                );
              }
              if (rows.length < 500) break;
            }
            send(`event: status\ndata: ${JSON.stringify(status)}\n\n`);
            if (status && terminal.has(status.status)) {
              send(`event: end\ndata: ${JSON.stringify(status)}\n\n`);
              close();
            }
          })
          .catch(() => close());
      };
      const unsubscribe = await subscribe(env().DATABASE_URL, runId, pump);
      // A safety net if a notification is ever missed (e.g. the LISTEN connection was replaced).
      const timer = setInterval(pump, 5_000);
      const keepAlive = setInterval(() => send(`: keep-alive\n\n`), 15_000);
      cleanup = () => {
        unsubscribe();
        clearInterval(timer);
        clearInterval(keepAlive);
      };
      request.signal.addEventListener("abort", close, { once: true });
      send(`retry: 2000\n\n`);
      pump();
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(stream, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    },
  });
}

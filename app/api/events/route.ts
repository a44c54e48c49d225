import { queryRefusal } from "~/server/api/query-guard";
import { getViewer } from "~/server/auth/session";
import { env } from "~/server/env";
import { liveConnected, mayHear, subscribeChanges, toBrowser } from "~/server/api/live-events";

export const dynamic = "force-dynamic";

/**
 * The signed-in user's live changes as server-sent events (one stream per browser tab): `change`
 * events with `{t, id, rel}` for every request, environment, notification or fleet rollout they
 * may read, pushed from the database's notifications. The page then re-reads what changed through the API. On a
 * reconnect the browser re-reads everything it shows, so nothing missed in between stays stale.
 */
export async function GET(request: Request) {
  const refused = queryRefusal(request);
  if (refused) return refused;
  const viewer = await getViewer();
  if (!viewer) return new Response("Sign in to continue", { status: 401 });

  const encoder = new TextEncoder();
  let cleanup = () => {};
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      let closed = false;
      const send = (text: string) => {
        if (closed) return;
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          // The browser went away without an abort reaching us: stop listening for it.
          close();
        }
      };
      const close = () => {
        if (closed) return;
        closed = true;
        cleanup();
        try {
          controller.close();
        } catch {
          // Already closed or cancelled by the browser.
        }
      };
      const unsubscribe = await subscribeChanges(env().DATABASE_URL, (change) => {
        if (mayHear(viewer, change)) send(`event: change\ndata: ${JSON.stringify(toBrowser(change))}\n\n`);
      });
      // Comments keep proxies from closing an idle stream; a dropped LISTEN connection ends the
      // stream so the browser reconnects (and re-reads) instead of waiting on a deaf one.
      const keepAlive = setInterval(() => (liveConnected() ? send(`: keep-alive\n\n`) : close()), 15_000);
      cleanup = () => {
        unsubscribe();
        clearInterval(keepAlive);
      };
      request.signal.addEventListener("abort", close, { once: true });
      // The browser left while we subscribed (cancel ran the empty cleanup): stop listening now.
      if (cancelled || request.signal.aborted) return close();
      send(`retry: 2000\n\nevent: ready\ndata: {}\n\n`);
    },
    cancel() {
      cancelled = true;
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

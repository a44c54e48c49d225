/**
 * Live run logs, on the web side (app/api/runs/[runId]/events streams them). One LISTEN
 * connection per web process receives every new run event (`pg_notify('run_events',
 * '<run id>:<event id>')` from the insert trigger) and wakes the streams of that run, which then
 * read the new lines from the table: the browser sees a line milliseconds after it is written,
 * with no polling.
 */
import { and, asc, eq, gt } from "drizzle-orm";
import pg from "pg";
import type { Database } from "~/db/client";
import { runEvents, runs } from "~/db/schema";

type Listener = () => void;
type Hub = { client: pg.Client | null; connecting: Promise<void> | null; listeners: Map<string, Set<Listener>> };
const store = globalThis as unknown as { __provisioRunHub?: Hub };

async function hub(url: string): Promise<Hub> {
  store.__provisioRunHub ??= { client: null, connecting: null, listeners: new Map() };
  const h = store.__provisioRunHub;
  if (!h.client && !h.connecting) {
    h.connecting = (async () => {
      const client = new pg.Client({ connectionString: url });
      client.on("notification", (message) => {
        const runId = message.payload?.split(":")[0];
        if (runId) for (const listener of h.listeners.get(runId) ?? []) listener();
      });
      // A lost connection is replaced on the next subscription; streams fall back to their timer meanwhile.
      client.on("error", () => {
        h.client = null;
      });
      await client.connect();
      await client.query("LISTEN run_events");
      h.client = client;
    })().finally(() => {
      h.connecting = null;
    });
  }
  await h.connecting;
  return h;
}

export async function subscribe(url: string, runId: string, listener: Listener): Promise<() => void> {
  const h = await hub(url);
  const set = h.listeners.get(runId) ?? new Set();
  set.add(listener);
  h.listeners.set(runId, set);
  return () => {
    set.delete(listener);
    if (set.size === 0) h.listeners.delete(runId);
  };
}

export async function eventsAfter(db: Database, runId: string, afterId: number) {
  return db
    .select()
    .from(runEvents)
    .where(and(eq(runEvents.runId, runId), gt(runEvents.id, afterId)))
    .orderBy(asc(runEvents.id))
    .limit(500);
}

export async function runStatus(db: Database, runId: string) {
  const [row] = await db
    .select({ status: runs.status, error: runs.error, startedAt: runs.startedAt, finishedAt: runs.finishedAt })
    .from(runs)
    .where(eq(runs.id, runId));
  return row ?? null;
}

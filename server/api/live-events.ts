/**
 * Live pages, on the web side (app/api/events streams them to each signed-in browser). The
 * database announces every change a page shows on the `provisio_changes` channel (migration
 * 0022: requests, approvals, environments, runs, notifications; 0032: fleet rollouts); ONE LISTEN connection per web
 * process receives them and fans each out to the streams whose viewer may read it, decided by
 * the same access rules as the API. A browser hears only ids, then reads through the API.
 */
import pg from "pg";
import { z } from "zod";
import { canReadAllTeams, canReadTeam, type AccessViewer } from "~/server/access/rules";

const changeSchema = z.object({
  t: z.enum(["request", "environment", "notification", "rollout"]),
  id: z.uuid(),
  team: z.uuid().nullable(),
  rel: z.uuid().nullable(),
  user: z.uuid().nullable(),
});
/** One change as the database announces it: what changed (`t`, `id`), its team, a related id (request ↔ environment) and, for a notification, its recipient. */
export type LiveChange = z.infer<typeof changeSchema>;

/** A notification's payload, or null for anything malformed (never trusted blindly). */
export function parseChange(payload: string | undefined): LiveChange | null {
  if (!payload) return null;
  try {
    const parsed = changeSchema.safeParse(JSON.parse(payload));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * Whether `viewer` may hear about `change`: their own notifications; requests and environments of
 * teams they read; fleet rollouts (which span teams) if they read every team, as their API reads do.
 */
export function mayHear(viewer: AccessViewer, change: LiveChange): boolean {
  if (change.t === "notification") return change.user === viewer.id;
  if (change.t === "rollout") return canReadAllTeams(viewer);
  return change.team !== null && canReadTeam(viewer, change.team);
}

/** What the browser is told: the kind and ids only (the team and recipient stay on the server). */
export const toBrowser = (change: LiveChange) => ({ t: change.t, id: change.id, rel: change.rel });

type Listener = (change: LiveChange) => void;
/** The read cache's side of the connection (read-cache.ts): a team whose reads changed ("*": every team's), and the connection going up or down. */
export type ReadChangeWatcher = { changed: (team: string) => void; connected: (up: boolean) => void };
type Hub = {
  client: pg.Client | null;
  connecting: Promise<void> | null;
  listeners: Set<Listener>;
  readWatchers: Set<ReadChangeWatcher>;
  lastAttempt: number;
};
// Kept on globalThis so a hot reload in development does not open a second connection.
const store = globalThis as unknown as { __provisioLiveHub?: Hub };
/** Changes to what the cached reads show, per team (migration *_read_cache_notify.sql). */
export const readsChannel = "provisio_reads";

function stateChanged(h: Hub, up: boolean) {
  for (const watcher of h.readWatchers) watcher.connected(up);
}

async function hub(url: string): Promise<Hub> {
  store.__provisioLiveHub ??= { client: null, connecting: null, listeners: new Set(), readWatchers: new Set(), lastAttempt: 0 };
  const h = store.__provisioLiveHub;
  if (!h.client && !h.connecting) {
    h.lastAttempt = Date.now();
    h.connecting = (async () => {
      const client = new pg.Client({ connectionString: url, application_name: "provisio-live" });
      client.on("notification", (message) => {
        if (message.channel === readsChannel) {
          for (const watcher of h.readWatchers) watcher.changed(message.payload ?? "*");
          return;
        }
        const change = parseChange(message.payload);
        if (!change) return;
        // A page refetches as soon as it hears a change: the cached reads of that change's team must be
        // gone first, whatever order the two channels' notifications of one commit arrive in.
        if (change.t !== "notification") for (const watcher of h.readWatchers) watcher.changed(change.team ?? "*");
        // One stream that fails (its browser went away mid-write) must not keep the change from the others.
        for (const listener of h.listeners) {
          try {
            listener(change);
          } catch {
            h.listeners.delete(listener);
          }
        }
      });
      // A lost connection is replaced by the next subscription (or cached read); browsers reconnect and re-read meanwhile.
      const drop = () => {
        if (h.client !== client) return;
        h.client = null;
        stateChanged(h, false);
        client.end().catch(() => {});
      };
      client.on("error", drop);
      client.on("end", drop);
      try {
        await client.connect();
        await client.query(`LISTEN provisio_changes; LISTEN ${readsChannel}`);
      } catch (error) {
        client.end().catch(() => {});
        throw error;
      }
      h.client = client;
      stateChanged(h, true);
    })().finally(() => {
      h.connecting = null;
    });
  }
  await h.connecting;
  return h;
}

/**
 * The read cache hears its changes here, on the live pages' connection. It is told when the
 * connection comes up and when it drops; `ensure()` (called by a read that found it down)
 * starts connecting again, at most once a second.
 */
export function watchReadChanges(url: string, watcher: ReadChangeWatcher): { ensure: () => void; stop: () => void } {
  store.__provisioLiveHub ??= { client: null, connecting: null, listeners: new Set(), readWatchers: new Set(), lastAttempt: 0 };
  const h = store.__provisioLiveHub;
  h.readWatchers.add(watcher);
  const ensure = () => {
    if (h.client || h.connecting || Date.now() - h.lastAttempt < 1_000) return;
    hub(url).catch(() => {});
  };
  if (h.client) watcher.connected(true);
  else ensure();
  return { ensure, stop: () => h.readWatchers.delete(watcher) };
}

/** Test seam: drop the shared connection as a network failure would (the read cache must then bypass itself). */
export async function dropLiveConnection(): Promise<void> {
  const client = store.__provisioLiveHub?.client;
  if (client) await client.end();
}

/** Hears every change until the returned function is called; the connection is shared by every stream of the process. */
export async function subscribeChanges(url: string, listener: Listener): Promise<() => void> {
  const h = await hub(url);
  h.listeners.add(listener);
  return () => {
    h.listeners.delete(listener);
  };
}

/** Closes the shared connection and forgets its listeners; the next subscription opens a new one (tests: each file has its own database). */
export async function closeChangeHub(): Promise<void> {
  const h = store.__provisioLiveHub;
  delete store.__provisioLiveHub;
  await h?.connecting?.catch(() => undefined);
  await h?.client?.end().catch(() => undefined);
}

/** Whether the shared connection is up (a stream whose hub dropped closes, and the browser reconnects). */
export const liveConnected = () => Boolean(store.__provisioLiveHub?.client);

/**
 * Live pages, on the web side (app/api/events streams them to each signed-in browser). The
 * database announces every change a page shows on the `provisio_changes` channel (migration
 * 0014: requests, approvals, environments, runs, notifications); ONE LISTEN connection per web
 * process receives them and fans each out to the streams whose viewer may read it, decided by
 * the same access rules as the API. A browser hears only ids, then reads through the API.
 */
import pg from "pg";
import { z } from "zod";
import { canReadTeam, type AccessViewer } from "~/server/access/rules";

const changeSchema = z.object({
  t: z.enum(["request", "environment", "notification"]),
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

/** Whether `viewer` may hear about `change`: their own notifications; requests and environments of teams they read. */
export function mayHear(viewer: AccessViewer, change: LiveChange): boolean {
  if (change.t === "notification") return change.user === viewer.id;
  return change.team !== null && canReadTeam(viewer, change.team);
}

/** What the browser is told: the kind and ids only (the team and recipient stay on the server). */
export const toBrowser = (change: LiveChange) => ({ t: change.t, id: change.id, rel: change.rel });

type Listener = (change: LiveChange) => void;
type Hub = { client: pg.Client | null; connecting: Promise<void> | null; listeners: Set<Listener> };
// Kept on globalThis so a hot reload in development does not open a second connection.
const store = globalThis as unknown as { __provisioLiveHub?: Hub };

async function hub(url: string): Promise<Hub> {
  store.__provisioLiveHub ??= { client: null, connecting: null, listeners: new Set() };
  const h = store.__provisioLiveHub;
  if (!h.client && !h.connecting) {
    h.connecting = (async () => {
      const client = new pg.Client({ connectionString: url, application_name: "provisio-live" });
      client.on("notification", (message) => {
        const change = parseChange(message.payload);
        if (!change) return;
        // One stream that fails (its browser went away mid-write) must not keep the change from the others.
        for (const listener of h.listeners) {
          try {
            listener(change);
          } catch {
            h.listeners.delete(listener);
          }
        }
      });
      // A lost connection is replaced by the next subscription; browsers reconnect and re-read meanwhile.
      const drop = () => {
        if (h.client === client) h.client = null;
      };
      client.on("error", drop);
      client.on("end", drop);
      await client.connect();
      await client.query("LISTEN provisio_changes");
      h.client = client;
    })().finally(() => {
      h.connecting = null;
    });
  }
  await h.connecting;
  return h;
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

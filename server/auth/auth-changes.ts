/**
 * One LISTEN connection per web process on `provisio_auth`: the database announces every change
 * that affects who a session is (see the `provisio_notify_auth` triggers: `user:<id>` for a
 * user's sessions, memberships and roles; `*` for team changes), and the viewer cache drops what
 * it held. While the connection is not listening the cache is bypassed (`listening()` false), and
 * everything is dropped when it is lost, since notifications may have been missed.
 */
import pg from "pg";
import type { ViewerCache } from "./viewer-cache";

export const authChannel = "provisio_auth";

type State = { client: pg.Client | null; connecting: Promise<void> | null; retryAt: number };

export function applyAuthChange(cache: ViewerCache, payload: string | undefined): void {
  if (payload?.startsWith("user:")) cache.invalidateUser(payload.slice("user:".length));
  else cache.clear();
}

export function createAuthChanges(url: string, cache: ViewerCache) {
  const state: State = { client: null, connecting: null, retryAt: 0 };
  const lost = (client: pg.Client) => {
    if (state.client === client) state.client = null;
    cache.clear();
    state.retryAt = Date.now() + 1_000;
    client.end().catch(() => undefined);
  };
  return {
    /** True while changes are being received; starts (or restarts, at most once a second) the connection otherwise. */
    listening(): boolean {
      if (state.client) return true;
      if (!state.connecting && Date.now() >= state.retryAt) {
        const client = new pg.Client({ connectionString: url, application_name: "provisio-auth-changes" });
        client.on("notification", (message) => applyAuthChange(cache, message.payload));
        client.on("error", () => lost(client));
        client.on("end", () => lost(client));
        state.connecting = (async () => {
          await client.connect();
          await client.query(`LISTEN ${authChannel}`);
          if (state.retryAt === Number.POSITIVE_INFINITY) return void (await client.end());
          // Anything cached before this point was not covered by notifications.
          cache.clear();
          state.client = client;
        })()
          .catch(() => lost(client))
          .finally(() => {
            state.connecting = null;
          });
      }
      return false;
    },
    async close(): Promise<void> {
      const client = state.client;
      state.client = null;
      state.retryAt = Number.POSITIVE_INFINITY;
      await state.connecting;
      await client?.end().catch(() => undefined);
    },
  };
}

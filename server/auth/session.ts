import "server-only";
import { getServerSession } from "next-auth";
import { cookies } from "next/headers";
import { cache } from "react";
import { db } from "~/server/db";
import { env } from "~/server/env";
import { loadViewer, type Viewer } from "~/server/services/users";
import { createAuthChanges } from "./auth-changes";
import { authOptions } from "./options";
import { ViewerCache } from "./viewer-cache";

type Shared = { cache: ViewerCache; changes: ReturnType<typeof createAuthChanges> };
const store = globalThis as unknown as { __provisioViewers?: Shared };

/** One cache per web process (the dev server reloads modules; globalThis keeps one listener). */
function shared(): Shared {
  if (!store.__provisioViewers) {
    const viewers = new ViewerCache({ ttlMs: 5_000, maxEntries: 2_000 });
    store.__provisioViewers = { cache: viewers, changes: createAuthChanges(env().DATABASE_URL, viewers) };
  }
  return store.__provisioViewers;
}

/** The session cookie(s) as sent (chunked or not, secure prefix or not): the cache key. */
async function sessionKey(): Promise<string | null> {
  const parts = (await cookies())
    .getAll()
    .filter((c) => c.name.includes("next-auth.session-token"))
    .map((c) => `${c.name}=${c.value}`)
    .sort();
  return parts.length ? parts.join("; ") : null;
}

/**
 * The signed-in user with memberships, or null: once per request (React cache), and from the
 * per-process viewer cache when this cookie was resolved in the last seconds and nothing about
 * its user changed since (server/auth/viewer-cache.ts). A miss checks the session row and loads
 * the viewer, as every call did before.
 */
export const getViewer = cache(async (): Promise<Viewer | null> => {
  const key = await sessionKey();
  if (!key) return null;
  const { cache: viewers, changes } = shared();
  const usable = changes.listening();
  if (usable) {
    const hit = viewers.get(key);
    if (hit) return hit;
  }
  const mark = viewers.mark();
  const session = await getServerSession(authOptions());
  const userId = session?.user?.id;
  if (!userId) return null;
  const viewer = await loadViewer(db(), userId);
  if (viewer && usable) viewers.set(key, viewer, mark);
  return viewer;
});

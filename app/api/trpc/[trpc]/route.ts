import { trpcHttpHandler } from "~/server/api/http";
import { createReadCache, webReadCacheBounds } from "~/server/api/read-cache";
import { getViewer } from "~/server/auth/session";
import { db } from "~/server/db";
import { env } from "~/server/env";

// One read cache per web process, fed by its LISTEN connection (server/api/read-cache.ts).
const store = globalThis as unknown as { __provisioReadCache?: ReturnType<typeof createReadCache> };
const readCache = () => (store.__provisioReadCache ??= createReadCache(env().DATABASE_URL, webReadCacheBounds));

const handler = trpcHttpHandler({
  db,
  viewer: getViewer,
  readCache,
  publicUrls: () => (env().NEXTAUTH_URL ? [env().NEXTAUTH_URL!] : []),
});

export { handler as GET, handler as POST };

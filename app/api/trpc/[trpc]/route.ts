import { trpcHttpHandler } from "~/server/api/http";
import { getViewer } from "~/server/auth/session";
import { db } from "~/server/db";
import { env } from "~/server/env";

const handler = trpcHttpHandler({ db, viewer: getViewer, publicUrls: () => (env().NEXTAUTH_URL ? [env().NEXTAUTH_URL!] : []) });

export { handler as GET, handler as POST };

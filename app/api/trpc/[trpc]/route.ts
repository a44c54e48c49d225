import { trpcHttpHandler } from "~/server/api/http";
import { getViewer } from "~/server/auth/session";
import { db } from "~/server/db";

const handler = trpcHttpHandler({ db, viewer: getViewer });

export { handler as GET, handler as POST };

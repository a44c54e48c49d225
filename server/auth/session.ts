import "server-only";
import { getServerSession } from "next-auth";
import { cache } from "react";
import { db } from "~/server/db";
import { loadViewer, type Viewer } from "~/server/services/users";
import { authOptions } from "./options";

/** The signed-in user with memberships, once per request (React cache), or null. */
export const getViewer = cache(async (): Promise<Viewer | null> => {
  const session = await getServerSession(authOptions());
  const userId = session?.user?.id;
  if (!userId) return null;
  return loadViewer(db(), userId);
});

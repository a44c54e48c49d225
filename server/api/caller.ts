import "server-only";
import { getViewer } from "~/server/auth/session";
import { db } from "~/server/db";
import { createCaller } from "./root";
import { createContext } from "./trpc";

/** The API as the signed-in user, for server components: same procedures, same access rules. */
export async function serverApi() {
  return createCaller(createContext(db(), await getViewer()));
}

import "server-only";
import { connect, type Database } from "~/db/client";
import { env } from "./env";

/** The process's database handle (pool created on first use). */
export function db(): Database {
  return connect(env().DATABASE_URL).db;
}

import { sql } from "drizzle-orm";

/** Ids as a comma-separated list of parameters, for `in (${sqlList(ids)})` in the benches' SQL. */
export const sqlList = (ids: readonly string[]) =>
  sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  );

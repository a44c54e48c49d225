/**
 * A run's per-resource bookkeeping in one round trip: one statement that checks the run is still
 * this worker's, writes the run's queued log lines, and makes every resource change given
 * (typically: the previous resource ready, the next one tracked as creating before its engine
 * call). Resource changes are skipped when the claim is gone, and the caller is told.
 */
import { inArray, sql, type SQL } from "drizzle-orm";
import { environmentResources } from "~/db/schema";
import { unfinishedResourceStatuses } from "~/db/vocabulary";
import { ClaimLostError, heldBy } from "~/server/runs/store";
import { insertLines } from "./run-log";
import type { RunScope } from "./scope";

export type ResourceWrite =
  /** Tracked before the engine is asked for it: a crash after the call still leaves a record to find it by. */
  | {
      op: "track";
      environmentId: string;
      address: string;
      type: string;
      idempotencyKey: string;
      properties: Record<string, unknown>;
      tags: Record<string, string>;
      hourlyMicros: number;
      /** Its place among the rows tracked by one statement (their created_at, which is apply order, tells them apart). */
      order?: number;
      /**
       * `planned`: tracked before its turn, with the properties as planned (references not resolved yet); its
       * `creating` write follows when its turn comes. Either status means "may exist, look it up by its key".
       */
      status?: "planned";
    }
  /** A row tracked ahead whose engine call never started (the run failed or stopped first): nothing was made for it. */
  | { op: "forget"; id: string }
  /** A planned row's turn: its properties, references resolved, and creating (sent without waiting: the row exists). */
  | { op: "creating"; id: string; properties: Record<string, unknown> }
  /** `readyAt`: when the engine reported it (a ready written later, with another statement, keeps that time). */
  | {
      op: "ready";
      id: string;
      providerId: string;
      attributes: Record<string, unknown>;
      sensitiveCiphertext: string | null;
      readyAt?: Date;
      /** A planned row's resolved properties, when its `creating` write had not gone out yet (one row, one write per statement). */
      properties?: Record<string, unknown>;
    }
  | { op: "status"; id: string; status: "deleting" | "deleted" | "failed" }
  | { op: "tags"; id: string; tags: Record<string, string> }
  /** Changed in place by an update run: its new properties, tags and rate (the cost record follows the rate). */
  | {
      op: "changed";
      id: string;
      properties: Record<string, unknown>;
      tags: Record<string, string>;
      hourlyMicros: number;
      attributes: Record<string, unknown>;
      sensitiveCiphertext: string | null;
    }
  /** A replaced resource steps aside (create-before-destroy): its address goes to the replacement until it is deleted. */
  | { op: "rename"; id: string; address: string }
  /** Deleted by an update or rollback run: the address is freed too, so the plan may use it again. */
  | { op: "retire"; id: string; address: string };

/** The guard of writeResources' statements: its `held` CTE (the claim, checked once). */
const heldCte = sql`(select ok from held)`;
const json = (value: unknown) => sql`${JSON.stringify(value)}::jsonb`;

function statementFor(write: ResourceWrite, held: SQL = heldCte): SQL {
  const t = environmentResources;
  switch (write.op) {
    case "track":
      return sql`insert into ${t} (environment_id, address, type, idempotency_key, status, properties, tags, hourly_micros, created_at)
        select ${write.environmentId}::uuid, ${write.address}::text, ${write.type}::text, ${write.idempotencyKey}::text, ${write.status ?? "creating"}::resource_status, ${json(write.properties)}, ${json(write.tags)}, ${write.hourlyMicros}::bigint,
          now() + ${write.order ?? 0} * interval '1 microsecond'
        where ${held}
        on conflict (idempotency_key) do update set ${
          write.status === "planned"
            ? // An earlier attempt's row stays creating if it got that far (its resource may exist).
              sql`status = case when ${t}.status = 'creating' then 'creating'::resource_status else 'planned'::resource_status end`
            : sql`status = 'creating', properties = excluded.properties`
        }, deleted_at = null
        returning id, (xmax = 0) as fresh`;
    case "forget":
      return sql`delete from ${t} where id = ${write.id} and ${inArray(t.status, unfinishedResourceStatuses)} and ${held} returning id`;
    case "creating":
      return sql`update ${t} set status = 'creating', properties = ${json(write.properties)}
        where id = ${write.id} and status = 'planned' and ${held} returning id`;
    case "ready":
      return sql`update ${t} set provider_id = ${write.providerId}, attributes = ${json(write.attributes)}, sensitive_ciphertext = ${write.sensitiveCiphertext},${write.properties ? sql` properties = ${json(write.properties)},` : sql``} status = 'ready', ready_at = ${write.readyAt ? sql`${write.readyAt.toISOString()}::timestamptz` : sql`now()`}
        where id = ${write.id} and ${held} returning id`;
    case "status":
      return sql`update ${t} set status = ${write.status}, deleted_at = ${write.status === "deleted" ? sql`now()` : sql`deleted_at`}
        where id = ${write.id} and ${held} returning id`;
    case "tags":
      return sql`update ${t} set tags = ${json(write.tags)} where id = ${write.id} and ${held} returning id`;
    case "changed":
      return sql`update ${t} set properties = ${json(write.properties)}, tags = ${json(write.tags)}, hourly_micros = ${write.hourlyMicros}::bigint,
        attributes = ${json(write.attributes)}, sensitive_ciphertext = ${write.sensitiveCiphertext}
        where id = ${write.id} and ${held} returning id`;
    case "rename":
      return sql`update ${t} set address = ${write.address} where id = ${write.id} and ${held} returning id`;
    case "retire":
      return sql`update ${t} set status = 'deleted', deleted_at = now(), address = ${write.address} where id = ${write.id} and ${held} returning id`;
  }
}

/**
 * `writes` as parts of a statement, or statements of a transaction, that write nothing unless the
 * run is still this worker's (the run's outcome: db/together.ts refuses the whole statement, the
 * transaction rolls back), so they carry no guard of their own.
 */
export function resourceWritesTogether(writes: readonly ResourceWrite[]): SQL[] {
  return writes.map((write) => statementFor(write, sql`true`));
}

/**
 * Writes the log lines queued so far and `writes`, in one statement. Returns the ids of the
 * tracked rows (for `track` writes, in their order; trackedId: the first) and whether each is
 * new (false: an earlier attempt's row, taken over); throws ClaimLostError, after writing only the log, when the
 * run is no longer this worker's.
 */
export async function writeResources(
  scope: RunScope,
  writes: readonly ResourceWrite[],
): Promise<{ trackedId: string | null; trackedIds: (string | null)[]; fresh: boolean[] }> {
  const row = await scope.lines.with(async (lines) => {
    const ctes: SQL[] = [sql`held as (select ${heldBy(scope.claim)} as ok)`];
    if (lines.length) ctes.push(sql`logged as (${insertLines(scope.run.id, lines)})`);
    writes.forEach((write, i) => ctes.push(sql`${sql.raw(`w${i}`)} as (${statementFor(write)})`));
    // The ids of the tracked rows, in the order of their `track` writes.
    const tracks = writes.flatMap((w, i) => (w.op === "track" ? [sql.raw(`w${i}`)] : []));
    const column = (name: string, type: string) =>
      tracks.length
        ? sql`array[${sql.join(
            tracks.map((w) => sql`(select ${sql.raw(name)} from ${w})`),
            sql`, `,
          )}]::${sql.raw(type)}[]`
        : sql`array[]::${sql.raw(type)}[]`;
    const result = await scope.db.execute(
      sql`with ${sql.join(ctes, sql`, `)} select ${heldCte} as held, ${column("id", "uuid")} as tracked_ids, ${column("fresh", "boolean")} as fresh`,
    );
    return result.rows[0] as { held: boolean; tracked_ids: (string | null)[]; fresh: (boolean | null)[] };
  });
  if (!row.held) throw new ClaimLostError(scope.claim, "another worker holds it now, so its resource records were left alone");
  return { trackedId: row.tracked_ids[0] ?? null, trackedIds: row.tracked_ids, fresh: row.fresh.map(Boolean) };
}

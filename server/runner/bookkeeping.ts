/**
 * A run's per-resource bookkeeping in one round trip: one statement that checks the run is still
 * this worker's, writes the run's queued log lines, and makes every resource change given
 * (typically: the previous resource ready, the next one tracked as creating before its engine
 * call). Resource changes are skipped when the claim is gone, and the caller is told.
 */
import { sql, type SQL } from "drizzle-orm";
import { environmentResources } from "~/db/schema";
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
    }
  | { op: "ready"; id: string; providerId: string; attributes: Record<string, unknown>; sensitiveCiphertext: string | null }
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

const held = sql`(select ok from held)`;
const json = (value: unknown) => sql`${JSON.stringify(value)}::jsonb`;

function statementFor(write: ResourceWrite): SQL {
  const t = environmentResources;
  switch (write.op) {
    case "track":
      return sql`insert into ${t} (environment_id, address, type, idempotency_key, status, properties, tags, hourly_micros)
        select ${write.environmentId}::uuid, ${write.address}::text, ${write.type}::text, ${write.idempotencyKey}::text, 'creating'::resource_status, ${json(write.properties)}, ${json(write.tags)}, ${write.hourlyMicros}::bigint
        where ${held}
        on conflict (idempotency_key) do update set status = 'creating', properties = excluded.properties, deleted_at = null
        returning id`;
    case "ready":
      return sql`update ${t} set provider_id = ${write.providerId}, attributes = ${json(write.attributes)}, sensitive_ciphertext = ${write.sensitiveCiphertext}, status = 'ready', ready_at = now()
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
 * Writes the log lines queued so far and `writes`, in one statement. Returns the id of the
 * tracked row (for a `track` write); throws ClaimLostError, after writing only the log, when the
 * run is no longer this worker's.
 */
export async function writeResources(scope: RunScope, writes: readonly ResourceWrite[]): Promise<{ trackedId: string | null }> {
  const row = await scope.lines.with(async (lines) => {
    const ctes: SQL[] = [sql`held as (select ${heldBy(scope.claim)} as ok)`];
    if (lines.length) ctes.push(sql`logged as (${insertLines(scope.run.id, lines)})`);
    writes.forEach((write, i) => ctes.push(sql`${sql.raw(`w${i}`)} as (${statementFor(write)})`));
    const track = writes.findIndex((w) => w.op === "track");
    const trackedId = track >= 0 ? sql`(select id from ${sql.raw(`w${track}`)})` : sql`null::uuid`;
    const result = await scope.db.execute(sql`with ${sql.join(ctes, sql`, `)} select ${held} as held, ${trackedId} as tracked_id`);
    return result.rows[0] as { held: boolean; tracked_id: string | null };
  });
  if (!row.held) throw new ClaimLostError(scope.claim, "another worker holds it now, so its resource records were left alone");
  return { trackedId: row.tracked_id };
}

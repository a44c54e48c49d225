/**
 * An apply's resource records, written alongside the engine calls instead of between them. A
 * resource is tracked (creating) as soon as its references resolve, together with the `ready`
 * of what was made since the last statement, by ONE statement sent at once; the run waits for
 * a statement only when the engine is about to be asked for a resource whose row is not
 * committed yet. So independent resources (the subnets and security group after their network)
 * are tracked together, and the `ready` of one resource is written while the engine makes the
 * next. The guarantees of one-at-a-time bookkeeping hold: a row exists before its engine call,
 * statements commit in order, and `flush` (before the outcome) waits until every made resource
 * is recorded ready. After a failure, rows tracked ahead by this attempt whose engine call never
 * started are marked deleted (nothing was made for them), so a kept environment lists only
 * what may exist; a row an earlier attempt tracked is never dropped (that attempt may have made it).
 */
import type { Environment } from "~/db/schema";
import type { PlannedResource } from "~/server/templates/plan";
import { writeResources, type ResourceWrite } from "../bookkeeping";
import { resolveReferences } from "../references";
import type { RunScope } from "../scope";
import { tagsFor } from "../tags";
import type { ActualResource } from "~/server/engines/engine";

type Tracked = {
  properties: Record<string, unknown>;
  tags: Record<string, string>;
  idempotencyKey: string;
  /** Its row's id once the statement tracking it has committed (rejects if it failed). */
  row: Promise<{ id: string; fresh: boolean }>;
  started: boolean;
};

export class ApplyBookkeeping {
  private readonly tracked = new Map<string, Tracked>();
  private pending: ResourceWrite[] = [];
  private draining: Promise<void> | null = null;
  private failure: unknown = null;

  constructor(
    private readonly scope: RunScope,
    private readonly environment: Environment,
    /** What this run creates, in apply order. */
    private readonly todo: readonly PlannedResource[],
    private readonly actual: ReadonlyMap<string, ActualResource>,
  ) {}

  /**
   * The resource's row, committed: call right before its engine call (which it marks started).
   * Waits only when the row's statement is not committed yet; rethrows a failed statement's error.
   */
  async track(planned: PlannedResource): Promise<{ id: string } & Omit<Tracked, "row" | "started">> {
    if (this.failure) throw this.failure;
    // Its references resolve (apply order); if not, this throws the reason.
    resolveReferences(planned.properties, this.actual);
    if (!this.tracked.has(planned.address)) await this.drain();
    const entry = this.tracked.get(planned.address);
    if (!entry) throw this.failure ?? new Error(`resource row for ${planned.address} was not written`);
    const { id } = await entry.row;
    entry.started = true;
    return { id, properties: entry.properties, tags: entry.tags, idempotencyKey: entry.idempotencyKey };
  }

  /** The resource was made: its `ready` goes out now, with the rows of whatever it unblocked. */
  made(write: Extract<ResourceWrite, { op: "ready" }>): void {
    this.pending.push(write);
    void this.drain();
  }

  /** Waits until every statement has committed and every made resource is recorded ready. */
  async flush(): Promise<void> {
    await this.drain();
    if (this.failure) throw this.failure;
  }

  /**
   * After a failure: the made resources recorded ready (best effort, as before), and the rows
   * this attempt tracked ahead but never asked the engine for marked deleted.
   */
  async abandon(): Promise<void> {
    await this.draining;
    const unused: ResourceWrite[] = [];
    for (const entry of this.tracked.values()) {
      if (entry.started) continue;
      const row = await entry.row.catch(() => null);
      if (row?.fresh) unused.push({ op: "status", id: row.id, status: "deleted" });
    }
    const writes = [...this.pending, ...unused];
    this.pending = [];
    if (writes.length) await writeResources(this.scope, writes);
  }

  private drain(): Promise<void> {
    return (this.draining ??= this.loop());
  }

  private async loop(): Promise<void> {
    await null; // `draining` is set before the loop can end
    for (;;) {
      const tracks = this.failure ? [] : this.resolvable();
      const readies = this.failure ? [] : this.pending;
      if (!tracks.length && !readies.length) {
        this.draining = null;
        return;
      }
      this.pending = [];
      try {
        const { trackedIds, fresh } = await writeResources(this.scope, [...readies, ...tracks.map((t) => t.write)]);
        tracks.forEach((t, i) => {
          const id = trackedIds[i];
          if (id) t.resolve({ id, fresh: fresh[i] ?? false });
          else t.reject(new Error(`resource row for ${t.address} was not written`));
        });
      } catch (error) {
        this.failure = error;
        this.pending = [...readies, ...this.pending];
        for (const t of tracks) t.reject(error);
      }
    }
  }

  /** Track writes for every resource not tracked yet whose references resolve against what exists. */
  private resolvable() {
    const found: { address: string; write: ResourceWrite; resolve: (row: { id: string; fresh: boolean }) => void; reject: (e: unknown) => void }[] =
      [];
    for (const planned of this.todo) {
      if (this.tracked.has(planned.address) || this.actual.has(planned.address)) continue;
      let properties: Record<string, unknown>;
      try {
        properties = resolveReferences(planned.properties, this.actual) as Record<string, unknown>;
      } catch {
        continue; // waits for what it refers to
      }
      const tags = tagsFor(planned.tags, this.environment);
      const idempotencyKey = `${this.environment.id}/${planned.address}`;
      let resolve!: (row: { id: string; fresh: boolean }) => void;
      let reject!: (e: unknown) => void;
      const row = new Promise<{ id: string; fresh: boolean }>((yes, no) => {
        resolve = yes;
        reject = no;
      });
      row.catch(() => undefined); // awaited by track(); a failure is reported there, or by flush
      this.tracked.set(planned.address, { properties, tags, idempotencyKey, row, started: false });
      found.push({
        address: planned.address,
        resolve,
        reject,
        write: {
          op: "track",
          environmentId: this.environment.id,
          address: planned.address,
          type: planned.type,
          idempotencyKey,
          properties,
          tags,
          hourlyMicros: planned.hourlyMicros,
          order: found.length,
        },
      });
    }
    return found;
  }
}

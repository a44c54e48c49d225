/**
 * An apply's resource records, written alongside the engine calls instead of between them. The
 * run's first statement tracks every resource it will make: those whose references resolve as
 * creating, the others as planned (their properties as planned, references not resolved yet).
 * When a planned resource's turn comes, its `creating` write (properties resolved) goes out with
 * the next statement and the engine is asked at once: its row, with the key that finds what it
 * makes, is committed already. Each resource's `ready` goes out while the engine makes the next,
 * together with whatever else is waiting, by ONE statement; the last one's goes with the run's
 * outcome (`finish`), so the run waits for a statement only before its first engine call and for
 * its outcome. The guarantees of one-at-a-time bookkeeping hold: a row exists before its engine
 * call, statements commit in order, and the outcome is recorded only with every made resource
 * recorded ready. After a failure, rows tracked ahead by this attempt whose engine call never
 * started are removed (nothing was made for them; the next attempt plans them again), so a kept
 * environment lists only what may exist; a row an earlier attempt tracked is never dropped (that
 * attempt may have made it).
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
  /** Tracked as planned: its references were not resolved when the row was written. */
  planned: boolean;
  /** Its row's id, once committed. */
  id?: string;
};

export class ApplyBookkeeping {
  private readonly tracked = new Map<string, Tracked>();
  private pending: ResourceWrite[] = [];
  /** The last resource's `ready`, kept for the run's outcome statement (finish). */
  private final: ResourceWrite[] = [];
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
  async track(planned: PlannedResource): Promise<{ id: string } & Pick<Tracked, "properties" | "tags" | "idempotencyKey">> {
    if (this.failure) throw this.failure;
    // Its references resolve (apply order); if not, this throws the reason.
    resolveReferences(planned.properties, this.actual);
    if (!this.tracked.has(planned.address)) await this.drain();
    const entry = this.tracked.get(planned.address);
    if (!entry) throw this.failure ?? new Error(`resource row for ${planned.address} was not written`);
    const { id } = await entry.row;
    entry.started = true;
    if (entry.planned) {
      // Its turn (not announced by the previous ready): the row exists with its key, so the engine is asked now and the row follows.
      this.toCreating(entry, id, resolveReferences(planned.properties, this.actual) as Record<string, unknown>);
      void this.drain();
    }
    return { id, properties: entry.properties, tags: entry.tags, idempotencyKey: entry.idempotencyKey };
  }

  /** The resource was made: its `ready` goes out now, with the rows of whatever it unblocked. */
  made(write: Extract<ResourceWrite, { op: "ready" }>): void {
    // Its `creating` write still waiting: the ready carries its properties instead (one write per row and statement).
    const creating = this.pending.findIndex((w) => w.op === "creating" && w.id === write.id);
    if (creating !== -1) {
      const [waiting] = this.pending.splice(creating, 1);
      if (waiting?.op === "creating") write = { ...write, properties: waiting.properties };
    }
    // The last one: its record goes with the run's outcome, in one statement (finish), not alone before it.
    if (this.todo.every((p) => this.actual.has(p.address))) {
      this.final.push(write);
      return;
    }
    this.pending.push(write);
    this.announceNext();
    void this.drain();
  }

  /**
   * The resource asked for next (apply order) goes to creating with this ready, in the same
   * statement, when it was tracked as planned and its references now resolve.
   */
  private announceNext(): void {
    const next = this.todo.find((p) => !this.actual.has(p.address) && !this.tracked.get(p.address)?.started);
    const entry = next && this.tracked.get(next.address);
    if (!next || !entry?.planned || !entry.id) return;
    try {
      this.toCreating(entry, entry.id, resolveReferences(next.properties, this.actual) as Record<string, unknown>);
    } catch {
      // Its references do not resolve yet: track() will say why when its turn comes.
    }
  }

  /** A planned row's `creating` write, properties resolved, queued for the next statement. */
  private toCreating(entry: Tracked, id: string, properties: Record<string, unknown>): void {
    entry.planned = false;
    entry.properties = properties;
    this.pending.push({ op: "creating", id, properties });
  }

  /**
   * Waits until every statement has committed; returns the writes that go with the run's outcome
   * (the last resource's ready): the outcome is recorded only with them, so every made resource is
   * recorded ready when the run finishes, and the apply's end waits for one statement, not two.
   */
  async finish(): Promise<ResourceWrite[]> {
    await this.drain();
    if (this.failure) throw this.failure;
    const writes = this.final;
    this.final = [];
    return writes;
  }

  /**
   * After a failure: the made resources recorded ready (best effort, as before), and the rows
   * this attempt tracked ahead but never asked the engine for removed.
   */
  async abandon(): Promise<void> {
    await this.draining;
    const unused = new Set<string>();
    for (const entry of this.tracked.values()) {
      if (entry.started) continue;
      const row = await entry.row.catch(() => null);
      if (row?.fresh) unused.add(row.id);
    }
    // A forgotten row's own waiting write (its announced creating) goes with it: one write per row and statement.
    const writes: ResourceWrite[] = [
      ...this.final,
      ...this.pending.filter((w) => !(w.op === "creating" && unused.has(w.id))),
      ...[...unused].map((id) => ({ op: "forget" as const, id })),
    ];
    this.pending = [];
    this.final = [];
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
          const entry = this.tracked.get(t.address);
          if (id && entry) entry.id = id;
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

  /**
   * Track writes for every resource not tracked yet: creating when its references resolve against
   * what exists, planned (properties as planned) when they do not yet.
   */
  private resolvable() {
    const found: { address: string; write: ResourceWrite; resolve: (row: { id: string; fresh: boolean }) => void; reject: (e: unknown) => void }[] =
      [];
    for (const planned of this.todo) {
      if (this.tracked.has(planned.address) || this.actual.has(planned.address)) continue;
      let properties: Record<string, unknown>;
      let waits = false;
      try {
        properties = resolveReferences(planned.properties, this.actual) as Record<string, unknown>;
      } catch {
        properties = planned.properties; // waits for what it refers to
        waits = true;
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
      this.tracked.set(planned.address, { properties, tags, idempotencyKey, row, started: false, planned: waits });
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
          ...(waits ? { status: "planned" as const } : {}),
        },
      });
    }
    return found;
  }
}

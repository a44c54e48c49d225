/**
 * The read cache of the list and page procedures (issue 19): a call's answer kept in the web
 * process, keyed by the procedure, its input and the viewer's access scope (their id, global role
 * and memberships, so two viewers never share an entry), bounded by entries and by bytes (least
 * recently used first out), and invalidated by change, never by time:
 * - the database NOTIFYs `provisio_reads` with the team whose rows changed, or "*" for what every
 *   team shows (templates, teams, users), once per transaction (migration *_read_cache_notify);
 *   the live pages' LISTEN connection (live-events.ts) hears it and bumps that team's generation;
 * - a mutation in this process bumps everything as it returns (after its commit), so its caller
 *   reads their own write even before the notification arrives;
 * - while that connection is down (not yet up, or lost) every read goes to the database, and
 *   whatever was kept is dropped, since changes may have been missed meanwhile.
 * An entry remembers the generations of the teams it depends on as they were BEFORE its query
 * was sent; a change committed after that bumps one of them, so the entry never matches again.
 */
import superjson from "superjson";
import { readableTeamIds } from "~/server/access/rules";
import type { Viewer } from "~/server/services/users";
import { watchReadChanges } from "./live-events";

/** The teams whose changes an answer depends on: the viewer's readable teams ("all" for admins and auditors), or none (the catalog). */
export type TeamScope = "all" | readonly string[];

type Entry = { value: unknown; bytes: number; stamp: string };

export type ReadCacheStats = { hits: number; misses: number; bypasses: number; entries: number; bytes: number };

/**
 * Answers served to many calls (kept by a cache, or derived from a kept one), with their superjson
 * form once made: a hit sends the same object again, so it is serialised once, not per call.
 */
const sharedAnswers = new WeakMap<object, ReturnType<typeof superjson.serialize> | null>();
const share = (value: unknown) => {
  if (typeof value === "object" && value !== null && !sharedAnswers.has(value)) sharedAnswers.set(value, null);
};

/** The API's output transformer: superjson, made once per shared answer. */
export function serializeAnswer(value: unknown): ReturnType<typeof superjson.serialize> {
  if (typeof value !== "object" || value === null) return superjson.serialize(value);
  const made = sharedAnswers.get(value);
  if (made) return made;
  const serialized = superjson.serialize(value);
  if (made === null) sharedAnswers.set(value, serialized);
  return serialized;
}

const lastDerived = new WeakMap<object, { signature: string; answer: unknown }>();

/**
 * What a read makes of a kept answer at the time of the read (costs accrued since, capabilities
 * that depend on the time): the previous result again, same object, while its `signature` (the
 * figures that change) is the same, so a hit still costs no serialisation.
 */
export function deriveAnswer<K extends object, A>(kept: K, derive: (kept: K) => A, signature: (answer: A) => string): A {
  const answer = derive(kept);
  if (!sharedAnswers.has(kept)) return answer;
  const key = signature(answer);
  const last = lastDerived.get(kept);
  if (last && last.signature === key) return last.answer as A;
  share(answer);
  lastDerived.set(kept, { signature: key, answer });
  return answer;
}

// Every cache of the process, so a mutation here can bump them all (see trpc.ts).
const caches = new Set<ReadCache>();

/** Rough heap bytes of a cached answer: its JSON length, times a factor for object overhead. */
const estimateBytes = (value: unknown) => (JSON.stringify(value)?.length ?? 0) * 3;

export class ReadCache {
  private readonly entries = new Map<string, Entry>(); // Map order is the LRU order: oldest first
  private bytes = 0;
  private epoch = 0;
  private anyTeam = 0;
  private readonly generations = new Map<string, number>();
  private listening = false;
  private readonly stats = { hits: 0, misses: 0, bypasses: 0 };

  constructor(
    readonly bounds: { maxEntries: number; maxBytes: number },
    private readonly onBypass: () => void = () => {},
  ) {
    caches.add(this);
  }

  /** Detach it: mutations no longer reach it (tests make several). */
  dispose(): void {
    caches.delete(this);
  }

  /** The change connection came up or went down: either way what was kept may have missed changes. */
  connected(up: boolean): void {
    this.listening = up;
    this.everythingChanged();
  }

  /** A change to one team's rows ("*": to what every team shows). */
  changed(team: string): void {
    if (team === "*") return this.everythingChanged();
    this.generations.set(team, (this.generations.get(team) ?? 0) + 1);
    this.anyTeam++;
  }

  everythingChanged(): void {
    this.epoch++;
    this.entries.clear();
    this.bytes = 0;
  }

  private stamp(teams: TeamScope): string {
    if (teams === "all") return `${this.epoch}|*${this.anyTeam}`;
    let stamp = `${this.epoch}|`;
    for (const team of teams) stamp += `${this.generations.get(team) ?? 0},`;
    return stamp;
  }

  /**
   * The cached answer of `key`, else `compute()`'s, kept when no change to `teams` arrived while
   * it ran. Errors are never kept. Callers must not modify what they get: it is shared.
   */
  async read<T>(key: string, teams: TeamScope, compute: () => Promise<T>): Promise<T> {
    if (!this.listening) {
      this.stats.bypasses++;
      this.onBypass();
      return compute();
    }
    const stamp = this.stamp(teams);
    const found = this.entries.get(key);
    if (found && found.stamp === stamp) {
      this.stats.hits++;
      this.entries.delete(key);
      this.entries.set(key, found);
      return found.value as T;
    }
    this.stats.misses++;
    const value = await compute();
    if (this.listening && this.stamp(teams) === stamp) {
      share(value);
      this.keep(key, { value, stamp, bytes: estimateBytes(value) + key.length * 2 });
    }
    return value;
  }

  private keep(key: string, entry: Entry): void {
    this.drop(key);
    if (entry.bytes > this.bounds.maxBytes) return;
    this.entries.set(key, entry);
    this.bytes += entry.bytes;
    for (const [oldest, old] of this.entries) {
      if (this.entries.size <= this.bounds.maxEntries && this.bytes <= this.bounds.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= old.bytes;
    }
  }

  private drop(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.entries.delete(key);
    this.bytes -= old.bytes;
  }

  get isListening(): boolean {
    return this.listening;
  }

  snapshot(): ReadCacheStats {
    return { ...this.stats, entries: this.entries.size, bytes: this.bytes };
  }
}

/** The viewer's access scope as a key: who they are, their global role and every membership with its role. */
export function scopeKey(viewer: Viewer): string {
  return `${viewer.id}|${viewer.globalRole ?? "-"}|${viewer.teams.map((t) => `${t.id}:${t.role}`).join(",")}`;
}

/** The teams whose changes may change what `viewer` reads. */
export const viewerTeams = (viewer: Viewer): TeamScope => readableTeamIds(viewer);

/** After a mutation of this process (committed or not): nothing kept may hide it from its caller. */
export function mutationCommitted(): void {
  for (const cache of caches) cache.everythingChanged();
}

/** A cache fed by the LISTEN connection to `databaseUrl`; `stop()` detaches it (tests). */
export function createReadCache(databaseUrl: string, bounds: { maxEntries: number; maxBytes: number }) {
  let ensure = () => {};
  const cache = new ReadCache(bounds, () => ensure());
  const watch = watchReadChanges(databaseUrl, { changed: (team) => cache.changed(team), connected: (up) => cache.connected(up) });
  ensure = watch.ensure;
  return Object.assign(cache, {
    stop: () => {
      watch.stop();
      cache.dispose();
    },
  });
}

/**
 * `compute()`'s answer through the call's read cache (when it has one). `shared`: the answer does
 * not depend on who asks (the catalog), so one entry serves every viewer; it then depends on no
 * team, only on what every team shows.
 */
export function cachedRead<T>(
  ctx: { readCache?: ReadCache; viewer: Viewer },
  procedure: string,
  input: unknown,
  compute: () => Promise<T>,
  options: { shared?: boolean } = {},
): Promise<T> {
  if (!ctx.readCache) return compute();
  const scope = options.shared ? "shared" : scopeKey(ctx.viewer);
  return ctx.readCache.read(`${procedure}|${scope}|${JSON.stringify(input ?? null)}`, options.shared ? [] : viewerTeams(ctx.viewer), compute);
}

/** The bounds of the web process's cache: a few MiB at most, whatever the load. */
export const webReadCacheBounds = { maxEntries: 1_000, maxBytes: 4 * 1024 * 1024 };

/** Prometheus text of this process's read caches (appended to /api/metrics by the web process). */
export function readCacheExposition(): string {
  const total = { hits: 0, misses: 0, bypasses: 0, entries: 0, bytes: 0 };
  for (const cache of caches) for (const [k, v] of Object.entries(cache.snapshot())) total[k as keyof typeof total] += v;
  return [
    "# HELP provisio_read_cache_lookups_total Cached list and page reads of this web process by outcome (bypass: the change connection was down).",
    "# TYPE provisio_read_cache_lookups_total counter",
    `provisio_read_cache_lookups_total{outcome="hit"} ${total.hits}`,
    `provisio_read_cache_lookups_total{outcome="miss"} ${total.misses}`,
    `provisio_read_cache_lookups_total{outcome="bypass"} ${total.bypasses}`,
    "# HELP provisio_read_cache_entries Answers the read cache keeps.",
    "# TYPE provisio_read_cache_entries gauge",
    `provisio_read_cache_entries ${total.entries}`,
    "# HELP provisio_read_cache_bytes Estimated heap bytes of the answers the read cache keeps.",
    "# TYPE provisio_read_cache_bytes gauge",
    `provisio_read_cache_bytes ${total.bytes}`,
    "",
  ].join("\n");
}

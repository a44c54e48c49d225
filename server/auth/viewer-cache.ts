/**
 * Signed-in viewers per session cookie, per web process, so an API call needs no database round
 * trip to know who is calling. Safe because every change that could matter (sign-out, session
 * revocation, membership or role change, user or team edits) is announced by the database
 * (`pg_notify('provisio_auth', …)` triggers, see auth-changes.ts) and drops the entries at once;
 * the short TTL bounds what a missed notification could cost, and while the notification
 * connection is down the cache is bypassed altogether.
 *
 * A load that started before an invalidation is never stored (generation check), so a
 * notification racing a load cannot leave a stale viewer behind.
 */
import type { Viewer } from "~/server/services/users";

export type ViewerCacheOptions = { ttlMs: number; maxEntries: number; now?: () => number };

type Entry = { viewer: Viewer; expiresAt: number };

export class ViewerCache {
  private readonly entries = new Map<string, Entry>();
  private generation = 0;
  private readonly now: () => number;

  constructor(private readonly options: ViewerCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached viewer of this session key, or undefined when unknown or older than the TTL. */
  get(key: string): Viewer | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    // Least recently used first out: re-insert at the end.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.viewer;
  }

  /** Marks the start of a load; pass the mark to `set` so a load overtaken by an invalidation is not stored. */
  mark(): number {
    return this.generation;
  }

  set(key: string, viewer: Viewer, mark: number): void {
    if (mark !== this.generation) return;
    this.entries.delete(key);
    this.entries.set(key, { viewer, expiresAt: this.now() + this.options.ttlMs });
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  /** Drops every entry of this user (their sessions, memberships or roles changed). */
  invalidateUser(userId: string): void {
    this.generation++;
    for (const [key, entry] of this.entries) if (entry.viewer.id === userId) this.entries.delete(key);
  }

  /** Drops everything (a team changed, or notifications may have been missed). */
  clear(): void {
    this.generation++;
    this.entries.clear();
  }
}

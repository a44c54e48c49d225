/**
 * Memory settings of the web and worker processes, in one place for `npm start`, the benches,
 * the load smoke and the browser tests (all start them through stack.ts). Measured under the
 * HTTP bench's load (issue 19): the web process's live heap stays about 60–100 MiB, yet it kept
 * ~400 MiB after the load, because of
 * - V8's old-space growth: with the default limit (a quarter of the machine's memory, 4 GiB here)
 *   V8 lets the old space grow up to 4× the live heap before collecting, and never gave those
 *   pages back once the load stopped (no memory-reducing GC came in 30 s of idle). A 1 GiB limit
 *   lowers that factor to about 1.6: old space 217 → 77 MiB after the same 8,000 calls, still
 *   ten times the live heap as headroom;
 * - glibc's malloc arenas: each thread that allocates gets its own (up to 8 per core) and their
 *   pages are rarely returned. Two arenas bound that at no measurable cost.
 * Settings given from outside win: MALLOC_ARENA_MAX as set, and a `--max-old-space-size` in
 * NODE_OPTIONS comes after ours, and the last one counts.
 */
export const OLD_SPACE_LIMIT_MIB = 1024;

export function withMemorySettings<E extends Record<string, string | undefined>>(env: E): E & { MALLOC_ARENA_MAX: string; NODE_OPTIONS: string } {
  const outside = env.NODE_OPTIONS?.trim();
  return {
    MALLOC_ARENA_MAX: "2",
    ...env,
    NODE_OPTIONS: `--max-old-space-size=${OLD_SPACE_LIMIT_MIB}${outside ? ` ${outside}` : ""}`,
  };
}

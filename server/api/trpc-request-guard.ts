/**
 * What a tRPC HTTP request must be before tRPC reads it, checked cheaply and answered with one
 * clear refusal:
 * - state-changing requests (POST) come from this site (same-origin.ts) and carry JSON: the
 *   forms a page on another site can send without asking (multipart, urlencoded, text) are refused;
 * - a batch holds at most `maxBatchCalls` calls;
 * - the body is at most `maxBodyBytes`, read with a hard stop rather than trusted to Content-Length;
 * - the superjson envelope is shallow and small: superjson copies `json` and walks `meta`
 *   recursively, so deep nesting would overflow the stack, and a `meta` may only use the
 *   annotations our client sends (undefined, NaN/Infinity, dates), never bigint, regexp, Map,
 *   Set, class or custom ones that construct objects or take super-linear time.
 */
import { TRPCError } from "@trpc/server";
import { maxBatchCalls } from "./batch-limit";
import { crossSiteRefusal, safeMethods } from "./same-origin";

export const trpcRequestLimits = {
  maxBodyBytes: 1024 * 1024,
  maxBatchCalls,
  /** Levels of the JSON body (the input's own limit is lower: see input-limits.ts). */
  maxJsonDepth: 32,
  maxMetaNodes: 200,
  maxMetaDepth: 16,
  maxMetaPathSegments: 16,
} as const;

const allowedAnnotations = new Set(["undefined", "number", "Date"]);

type Verdict = { ok: true; request: Request } | { ok: false; error: TRPCError };
const refuse = (code: TRPCError["code"], message: string): Verdict => ({ ok: false, error: new TRPCError({ code, message }) });

function batchSize(url: URL, endpoint: string): number {
  if (url.searchParams.get("batch") !== "1") return 1;
  return url.pathname.slice(endpoint.length).split(",").length;
}

/** The body as text, or null once it passes `max` bytes (the rest is never read). */
async function readBounded(request: Request, max: number): Promise<string | null> {
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Depth of a parsed JSON value, walked without recursion; stops counting past `limit`. */
function tooDeep(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== "object" || node === null) continue;
    if (depth >= limit) return true;
    for (const child of Object.values(node)) if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}

const pathSegments = (path: string) => path.split(".").length;

const pathTooLong = (path: unknown) => typeof path !== "string" || path.length > 500 || pathSegments(path) > trpcRequestLimits.maxMetaPathSegments;

/** `referentialEqualities`: { path: [paths] } or [[root paths], { path: [paths] }?], a bounded number of short paths. */
function equalitiesProblem(equalities: unknown): string | null {
  if (equalities === undefined) return null;
  const groups: unknown[] = [];
  if (Array.isArray(equalities)) {
    if (equalities.length > 2) return "meta.referentialEqualities is malformed";
    groups.push(equalities[0]);
  }
  const map = Array.isArray(equalities) ? equalities[1] : equalities;
  if (map !== undefined) {
    if (typeof map !== "object" || map === null || Array.isArray(map)) return "meta.referentialEqualities is malformed";
    for (const [path, paths] of Object.entries(map)) {
      if (pathTooLong(path)) return "meta has a path that is too long";
      groups.push(paths);
    }
  }
  let count = 0;
  for (const paths of groups) {
    if (!Array.isArray(paths)) return "meta.referentialEqualities is malformed";
    count += paths.length;
    if (count > trpcRequestLimits.maxMetaNodes) return `meta has more than ${trpcRequestLimits.maxMetaNodes} annotations`;
    if (paths.some(pathTooLong)) return "meta has a path that is too long";
  }
  return null;
}

/** Problems of a superjson `meta`, or null. Its `values` tree is [annotation, children?] or { path: tree }. */
function metaProblem(meta: unknown): string | null {
  if (meta === undefined) return null;
  if (typeof meta !== "object" || meta === null || Array.isArray(meta)) return "meta must be an object";
  const { values, referentialEqualities, v, ...rest } = meta as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return "meta has unknown fields";
  if (v !== undefined && typeof v !== "number") return "meta.v must be a number";
  const equalities = equalitiesProblem(referentialEqualities);
  if (equalities) return equalities;
  let nodes = 0;
  const stack: [unknown, number][] = [[values, 0]];
  while (stack.length > 0) {
    const [tree, depth] = stack.pop()!;
    if (tree === undefined) continue;
    if (++nodes > trpcRequestLimits.maxMetaNodes) return `meta has more than ${trpcRequestLimits.maxMetaNodes} annotations`;
    if (depth > trpcRequestLimits.maxMetaDepth) return `meta is nested deeper than ${trpcRequestLimits.maxMetaDepth} levels`;
    if (typeof tree !== "object" || tree === null) return "meta.values is malformed";
    const children: Record<string, unknown> | undefined = Array.isArray(tree)
      ? (tree[1] as Record<string, unknown> | undefined)
      : (tree as Record<string, unknown>);
    if (Array.isArray(tree)) {
      const [annotation] = tree as unknown[];
      if (typeof annotation !== "string" || !allowedAnnotations.has(annotation)) return "meta uses a type annotation this API does not accept";
      if (tree.length > 2) return "meta.values is malformed";
    }
    if (children === undefined) continue;
    if (typeof children !== "object" || children === null || Array.isArray(children)) return "meta.values is malformed";
    for (const [path, child] of Object.entries(children)) {
      if (pathTooLong(path)) return "meta has a path that is too long";
      stack.push([child, depth + 1]);
    }
  }
  return null;
}

/** Problems of one call's superjson envelope `{ json, meta }`, or null. */
function envelopeProblem(envelope: unknown): string | null {
  if (typeof envelope !== "object" || envelope === null) return null;
  if (tooDeep(envelope, trpcRequestLimits.maxJsonDepth)) return `the input is nested deeper than ${trpcRequestLimits.maxJsonDepth} levels`;
  return metaProblem((envelope as { meta?: unknown }).meta);
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/**
 * Checks a request to the tRPC endpoint; returns the request to hand to tRPC (with the body
 * already read, for POST) or the refusal to answer instead.
 */
export async function guardTrpcRequest(request: Request, options: { endpoint: string; publicUrls?: readonly string[] }): Promise<Verdict> {
  const url = new URL(request.url);
  const changesState = !safeMethods.has(request.method);
  if (changesState) {
    const crossSite = crossSiteRefusal(request.headers, options.publicUrls);
    if (crossSite) return refuse("FORBIDDEN", crossSite);
    const type = request.headers.get("content-type")?.split(";", 1)[0]?.trim().toLowerCase();
    if (type !== "application/json") return refuse("UNSUPPORTED_MEDIA_TYPE", "Send the call as JSON (content-type: application/json).");
  }
  const calls = batchSize(url, options.endpoint);
  if (calls > trpcRequestLimits.maxBatchCalls) {
    return refuse("BAD_REQUEST", `A batch may hold at most ${trpcRequestLimits.maxBatchCalls} calls; this one has ${calls}.`);
  }

  let text: string | null;
  if (changesState) {
    const declared = Number(request.headers.get("content-length") ?? 0);
    if (declared > trpcRequestLimits.maxBodyBytes) text = null;
    else text = await readBounded(request, trpcRequestLimits.maxBodyBytes);
    if (text === null) return refuse("PAYLOAD_TOO_LARGE", `The request body is larger than ${trpcRequestLimits.maxBodyBytes / 1024} KB.`);
  } else {
    text = url.searchParams.get("input");
  }

  if (text) {
    const parsed = parseJson(text);
    if (!parsed.ok) return refuse("PARSE_ERROR", "The request body is not valid JSON.");
    const envelopes =
      calls > 1 || url.searchParams.get("batch") === "1"
        ? typeof parsed.value === "object" && parsed.value !== null
          ? Object.values(parsed.value)
          : []
        : [parsed.value];
    if (envelopes.length > trpcRequestLimits.maxBatchCalls)
      return refuse("BAD_REQUEST", `A batch may hold at most ${trpcRequestLimits.maxBatchCalls} calls.`);
    for (const envelope of envelopes) {
      const problem = envelopeProblem(envelope);
      if (problem) return refuse("BAD_REQUEST", `Invalid input: ${problem}.`);
    }
  }
  if (!changesState) return { ok: true, request };
  return { ok: true, request: new Request(request.url, { method: request.method, headers: request.headers, body: text, signal: request.signal }) };
}

import { formatCents } from "~/components/format/money";
import { plural } from "~/components/format/plural";
import { formatHours } from "~/components/format/time";
import { RelativeTime } from "~/components/ui/relative-time";
import { capacityLabel } from "./format";
import type { RequestDetail } from "./types";

type Event = RequestDetail["timeline"][number];
type Data = Record<string, unknown>;

const asData = (v: unknown): Data => (v && typeof v === "object" ? (v as Data) : {});
const num = (v: unknown): number | null => (typeof v === "number" ? v : null);
const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

const outcomeWords: Record<string, string> = { auto_approved: "auto-approved", needs_approval: "needs approval", denied: "denied" };

function changes(before: Data, after: Data): string[] {
  const out: string[] = [];
  if (before.tier !== after.tier) out.push(`tier ${String(before.tier)} → ${String(after.tier)}`);
  if (before.environmentName !== after.environmentName) out.push(`name ${String(before.environmentName)} → ${String(after.environmentName)}`);
  const [bt, at] = [num(before.ttlHours), num(after.ttlHours)];
  if (bt !== null && at !== null && bt !== at) out.push(`lifetime ${formatHours(bt)} → ${formatHours(at)}`);
  const [bp, ap] = [asData(before.parameters), asData(after.parameters)];
  for (const key of new Set([...Object.keys(bp), ...Object.keys(ap)])) {
    if (bp[key] !== ap[key]) out.push(`${key} ${String(bp[key] ?? "–")} → ${String(ap[key] ?? "–")}`);
  }
  const [bm, am] = [num(before.monthlyCents), num(after.monthlyCents)];
  if (bm !== null && am !== null && bm !== am) out.push(`cost ${formatCents(bm)} → ${formatCents(am)}/month`);
  return out;
}

/** One audit event of a request in words: what happened and the details that matter. */
export function describeEvent(
  e: Pick<Event, "action" | "before" | "after">,
  comments: Record<string, string> = {},
): { title: string; detail: string | null; quote: string | null } {
  const after = asData(e.after);
  const before = asData(e.before);
  switch (e.action) {
    case "request.submitted": {
      const parts = [
        str(after.template),
        str(after.tier),
        num(after.monthlyCents) !== null ? `${formatCents(num(after.monthlyCents) ?? 0)}/month` : null,
      ].filter(Boolean);
      const outcome = str(after.outcome);
      return {
        title: "Submitted the request",
        detail: [parts.join(", "), outcome ? `policy: ${outcomeWords[outcome] ?? outcome}` : null].filter(Boolean).join(" — ") || null,
        quote: null,
      };
    }
    case "request.approval_recorded": {
      const stage = num(after.stage);
      const capacity = str(after.capacity) as keyof typeof capacityLabel | null;
      const remaining = Array.isArray(after.remaining)
        ? (after.remaining as unknown[]).reduce<number>((sum, n) => sum + (typeof n === "number" ? n : 0), 0)
        : null;
      const detail = [
        stage !== null ? `stage ${stage}` : null,
        capacity ? `as ${capacityLabel[capacity] ?? capacity}` : null,
        remaining !== null ? (remaining > 0 ? `${plural(remaining, "more approval")} needed` : "no more approvals needed") : null,
      ]
        .filter(Boolean)
        .join(", ");
      return { title: "Approved", detail: detail || null, quote: str(after.comment) };
    }
    case "request.approved":
      return str(after.reason)?.includes("auto")
        ? { title: "Approved automatically by policy", detail: "queued for provisioning", quote: null }
        : { title: "Fully approved", detail: "queued for provisioning", quote: null };
    case "request.rejected": {
      const stage = num(after.stage);
      return { title: "Rejected the request", detail: stage !== null ? `stage ${stage}` : null, quote: str(after.comment) };
    }
    case "request.cancelled":
      return { title: "Cancelled the request", detail: null, quote: str(after.reason) };
    case "request.updated": {
      const list = changes(before, after);
      const cleared = num(after.approvalsCleared) ?? 0;
      const outcome = str(after.outcome);
      const detail = [
        list.length ? list.join("; ") : "no visible change",
        cleared > 0 ? `${plural(cleared, "approval")} cleared` : null,
        outcome ? `policy: ${outcomeWords[outcome] ?? outcome}` : null,
      ]
        .filter(Boolean)
        .join(" — ");
      return { title: "Edited the request", detail, quote: null };
    }
    case "request.commented": {
      const id = str(after.commentId);
      return { title: "Commented", detail: null, quote: id ? (comments[id] ?? null) : null };
    }
    case "environment.provisioning":
      return { title: "Provisioning started", detail: "a worker is applying the plan", quote: null };
    case "environment.ready":
      return {
        title: "Environment ready",
        detail: num(after.resources) !== null ? `${plural(num(after.resources) ?? 0, "resource")} created` : null,
        quote: null,
      };
    case "environment.failed":
      return { title: "Provisioning failed", detail: str(after.summary), quote: null };
    case "environment.destroying":
      return { title: "Destroy started", detail: str(after.reason), quote: null };
    case "environment.destroyed":
      return { title: "Environment destroyed", detail: null, quote: null };
    default:
      return { title: e.action.replace(/^request\./, "").replace(/_/g, " "), detail: null, quote: null };
  }
}

const dotTone: Record<string, string> = {
  "request.submitted": "bg-brand-500",
  "request.approval_recorded": "bg-emerald-500",
  "request.approved": "bg-emerald-600",
  "request.rejected": "bg-red-600",
  "request.cancelled": "bg-slate-500",
  "request.updated": "bg-amber-500",
  "request.commented": "bg-slate-300",
};

/** Every event of the request, oldest first, in words. `names` turns actor emails into names; `comments` (id → body) quotes comments. */
export function Timeline({
  events,
  names,
  comments = {},
}: {
  events: RequestDetail["timeline"];
  names: Record<string, string>;
  comments?: Record<string, string>;
}) {
  if (events.length === 0) return <p className="text-sm text-slate-600">Nothing has happened yet.</p>;
  return (
    <ol aria-label="Timeline" className="relative space-y-4 border-l border-slate-200 pl-5">
      {events.map((e) => {
        const d = describeEvent(e, comments);
        const who = e.actor === "system" ? "Provisio" : (names[e.actor] ?? e.actor);
        return (
          <li key={String(e.id)} className="relative">
            <span
              aria-hidden
              className={`absolute -left-[1.6rem] top-1.5 size-2.5 rounded-full ring-4 ring-white ${dotTone[e.action] ?? "bg-slate-400"}`}
            />
            <p className="text-sm text-slate-900">
              <span className="font-medium">{who}</span> <span>{d.title.charAt(0).toLowerCase() + d.title.slice(1)}</span>
            </p>
            {d.detail && <p className="text-sm text-slate-600">{d.detail}</p>}
            {d.quote && <blockquote className="mt-1 border-l-2 border-slate-200 pl-2 text-sm italic text-slate-700">{d.quote}</blockquote>}
            <p className="text-xs text-slate-500">
              <RelativeTime at={e.at} />
            </p>
          </li>
        );
      })}
    </ol>
  );
}

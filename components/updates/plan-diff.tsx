import { formatCents } from "~/components/format/money";
import { Badge } from "~/components/ui/page";
import type { DiffAction, PlanDiff, ResourceDiff } from "~/server/templates/plan-diff";

const actionTone: Record<DiffAction, "green" | "brand" | "amber" | "red" | "slate"> = {
  create: "green",
  update: "brand",
  replace: "amber",
  delete: "red",
  noop: "slate",
};
const actionLabel: Record<DiffAction, string> = {
  create: "create",
  update: "update in place",
  replace: "replace",
  delete: "delete",
  noop: "no change",
};

const show = (value: unknown) => (value === null || value === undefined ? "—" : typeof value === "object" ? JSON.stringify(value) : String(value));

/** "+$12.40/month" or "−$3.00/month". */
export function signedCents(cents: number): string {
  return `${cents > 0 ? "+" : cents < 0 ? "−" : "±"}${formatCents(Math.abs(cents))}`;
}

function Row({ r }: { r: ResourceDiff }) {
  return (
    <tr className={r.destructive ? "bg-red-50" : undefined} data-action={r.action}>
      <td className="py-2 pr-3 align-top font-mono text-xs break-all text-slate-900">{r.address}</td>
      <td className="py-2 pr-3 align-top text-slate-600">{r.title}</td>
      <td className="py-2 pr-3 align-top">
        <Badge tone={r.destructive ? "red" : actionTone[r.action]}>{actionLabel[r.action]}</Badge>
        {r.destructive && <p className="mt-1 text-xs font-medium text-red-700">Its data is lost</p>}
      </td>
      <td className="py-2 align-top text-xs text-slate-700">
        {r.reason && <p className="text-slate-600">{r.reason}</p>}
        {r.changes.length > 0 && (
          <ul className="space-y-0.5">
            {r.changes.map((c) => (
              <li key={c.property}>
                <span className="font-mono">{c.property}</span>: <span className="line-through decoration-slate-400">{show(c.from)}</span> →{" "}
                <span className="font-medium">{show(c.to)}</span>
                {c.immutable && <span className="ml-1 text-amber-800">(cannot change in place)</span>}
              </li>
            ))}
          </ul>
        )}
        {r.monthlyCentsBefore !== r.monthlyCentsAfter && <p>{signedCents(r.monthlyCentsAfter - r.monthlyCentsBefore)}/month</p>}
      </td>
    </tr>
  );
}

/** The plan diff of a change: per resource create / update in place / replace / delete, with the property changes; stateful losses in red. */
export function PlanDiffTable({ diff, showUnchanged = false }: { diff: PlanDiff; showUnchanged?: boolean }) {
  const rows = diff.resources.filter((r) => showUnchanged || r.action !== "noop");
  const summary = (["create", "update", "replace", "delete"] as const)
    .filter((a) => diff.counts[a] > 0)
    .map((a) => `${diff.counts[a]} ${actionLabel[a]}`)
    .join(", ");
  return (
    <div>
      <p className="text-sm text-slate-700" aria-live="polite">
        {summary || "No resource changes (tags only)"}
        {diff.counts.noop > 0 && `; ${diff.counts.noop} unchanged`}
      </p>
      {rows.length > 0 && (
        <table className="mt-2 w-full text-left text-sm">
          <caption className="sr-only">Plan diff</caption>
          <thead className="text-xs text-slate-500 uppercase">
            <tr>
              <th scope="col" className="py-1 pr-3 font-medium">
                Resource
              </th>
              <th scope="col" className="py-1 pr-3 font-medium">
                Type
              </th>
              <th scope="col" className="py-1 pr-3 font-medium">
                Action
              </th>
              <th scope="col" className="py-1 font-medium">
                Changes
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {rows.map((r) => (
              <Row key={r.address} r={r} />
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

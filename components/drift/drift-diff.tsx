import type { DriftReport, ValueDrift } from "~/server/engines/drift";

const show = (value: unknown) => (value === null || value === undefined ? "(none)" : typeof value === "string" ? value : JSON.stringify(value));

function Values({ label, values }: { label: string; values: ValueDrift[] }) {
  if (!values.length) return null;
  return (
    <ul className="mt-1 space-y-0.5 font-mono text-xs" aria-label={label}>
      {values.map((v) => (
        <li key={v.path}>
          <span className="text-slate-600">{label === "Tags" ? `tag ${v.path}` : v.path}: </span>
          <span className="text-emerald-800">{show(v.desired)}</span>
          <span aria-hidden="true"> → </span>
          <span className="sr-only"> is now </span>
          <span className="text-red-700">{show(v.actual)}</span>
        </li>
      ))}
    </ul>
  );
}

const kindWords = { changed: "changed outside the portal", missing: "missing (deleted outside)", extra: "extra (not part of the environment)" };

/** Per resource, like a plan: desired → actual. */
export function DriftDiff({ report }: { report: DriftReport }) {
  return (
    <ul className="divide-y divide-slate-100" aria-label="Drifted resources">
      {report.resources.map((r) => (
        <li key={`${r.kind}-${r.address}`} className="py-2 text-sm">
          <p>
            <span className="font-medium">{r.address}</span>{" "}
            <span className="text-slate-500">
              ({r.type}
              {r.providerId ? `, ${r.providerId}` : ""})
            </span>{" "}
            <span className={r.kind === "changed" ? "text-amber-800" : "text-red-700"}>{kindWords[r.kind]}</span>
          </p>
          {r.kind === "changed" && (
            <>
              <Values label="Properties" values={r.properties} />
              <Values label="Tags" values={r.tags} />
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

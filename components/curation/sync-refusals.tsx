import { plural } from "~/components/format/plural";
import { RelativeTime } from "~/components/ui/relative-time";

type Refusal = { file: string; problems: string[]; reportedAt: Date | string };

/** Template files the last start refused: shown to admins here, not only in the console. */
export function SyncRefusals({ refused }: { refused: Refusal[] }) {
  if (refused.length === 0) return null;
  return (
    <section aria-labelledby="sync-refusals" className="rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-950">
      <h2 id="sync-refusals" className="font-semibold">
        {plural(refused.length, "template file")} refused on the last start
      </h2>
      <p className="mt-1">
        These files under <code className="font-mono text-xs">templates/</code> were not loaded; the catalog keeps what it had. Fix them and restart,
        or run <code className="font-mono text-xs">npm run templates:check</code>.
      </p>
      <ul className="mt-3 space-y-2">
        {refused.map((r) => (
          <li key={r.file} className="min-w-0">
            <span className="break-all font-mono text-xs font-semibold">{r.file}</span>{" "}
            <span className="text-xs">
              (checked <RelativeTime at={r.reportedAt} />)
            </span>
            <ul className="ml-4 mt-1 list-disc">
              {r.problems.map((problem) => (
                <li key={problem} className="break-words font-mono text-xs">
                  {problem.startsWith(`${r.file}`) ? problem.slice(r.file.length).replace(/^[:\s]+/, "") : problem}
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </section>
  );
}

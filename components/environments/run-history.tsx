"use client";

import { useState } from "react";
import { formatDateTime } from "~/components/format/time";
import { RunLog } from "~/components/runs/run-log";
import { Badge } from "~/components/ui/page";
import { RelativeTime } from "~/components/ui/relative-time";
import { useNow } from "./countdown";
import { runDuration, runKindLabels, runStatusTones } from "./format";
import type { EnvironmentRun } from "./types";

const active = (run: EnvironmentRun) => run.status === "queued" || run.status === "running";

function When({ at }: { at: Date | string | null }) {
  return at ? <RelativeTime at={at} /> : <>–</>;
}

/**
 * Every run of the environment, newest first, each with its log one click away. A run in
 * progress is open by default and streams live; so is the newest run when it failed.
 */
export function RunHistory({ runs }: { runs: EnvironmentRun[] }) {
  const [toggled, setToggled] = useState<Record<string, boolean>>({});
  // Durations of running runs tick; finished ones do not need it.
  const now = useNow(runs.some(active) ? 1_000 : 60_000);
  if (runs.length === 0) return <p className="text-sm text-slate-600">No runs yet.</p>;
  return (
    <ol aria-label="Runs" className="space-y-3">
      {runs.map((run, index) => {
        const open = toggled[run.id] ?? (active(run) || (index === 0 && run.status === "failed"));
        const label = runKindLabels[run.kind] ?? run.kind;
        const panelId = `run-${run.id}`;
        return (
          <li key={run.id} className="rounded-md border border-slate-200">
            <div className="flex flex-wrap items-center justify-between gap-x-4 gap-y-2 px-4 py-3">
              <div className="min-w-0">
                <p className="flex flex-wrap items-center gap-2 text-sm">
                  <span className="font-medium text-slate-900">{label}</span>
                  <Badge tone={runStatusTones[run.status] ?? "slate"}>{run.status}</Badge>
                  {run.attempts > 1 && <span className="text-xs text-slate-500">{run.attempts} attempts</span>}
                </p>
                <p className="mt-0.5 text-xs text-slate-600">
                  queued <When at={run.queuedAt} />
                  {run.startedAt && (
                    <>
                      {" "}
                      · {run.finishedAt ? "took" : "running for"}{" "}
                      <span className="tabular-nums" suppressHydrationWarning>
                        {runDuration(run, now)}
                      </span>
                    </>
                  )}
                  {run.finishedAt && (
                    <>
                      {" "}
                      · finished <When at={run.finishedAt} />
                    </>
                  )}
                </p>
                {run.error && <p className="mt-1 break-words text-xs text-red-700">{run.error}</p>}
              </div>
              <button
                type="button"
                aria-expanded={open}
                aria-controls={panelId}
                onClick={() => setToggled((t) => ({ ...t, [run.id]: !open }))}
                className="rounded text-sm font-medium text-brand-700 hover:underline"
              >
                {open ? "Hide log" : "Show log"}
                <span className="sr-only">
                  {" "}
                  of the {label.toLowerCase()} run queued {formatDateTime(run.queuedAt)}
                </span>
              </button>
            </div>
            {open && (
              <div id={panelId} className="border-t border-slate-100 px-4 py-3">
                <RunLog runId={run.id} initialStatus={run.status} />
              </div>
            )}
          </li>
        );
      })}
    </ol>
  );
}

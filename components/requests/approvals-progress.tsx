import { RelativeTime } from "~/components/ui/relative-time";
import { capacityLabel, stageProgress, stageWho } from "./format";
import type { ApprovalStage, RequestDetail } from "./types";

type Approval = RequestDetail["approvals"][number];

function ApprovalLine({ a, cleared = false }: { a: Approval; cleared?: boolean }) {
  const rejected = a.decision === "rejected";
  return (
    <li className="text-sm">
      <p className={cleared ? "text-slate-500" : "text-slate-800"}>
        <span className={cleared ? "line-through" : ""}>
          <span className="font-medium">{a.approverName}</span>{" "}
          <span className={rejected && !cleared ? "font-medium text-red-700" : ""}>{rejected ? "rejected" : "approved"}</span> as{" "}
          {capacityLabel[a.capacity]}
        </span>{" "}
        <span className="text-xs text-slate-500">
          · <RelativeTime at={a.createdAt} />
        </span>
        {cleared && <span className="sr-only"> (cleared after an edit)</span>}
      </p>
      {a.comment && (
        <blockquote
          className={`mt-0.5 border-l-2 border-slate-200 pl-2 text-sm italic ${cleared ? "text-slate-400 line-through" : "text-slate-700"}`}
        >
          {a.comment}
        </blockquote>
      )}
    </li>
  );
}

type Props = {
  stages: readonly ApprovalStage[];
  progress: RequestDetail["progress"];
  approvals: readonly Approval[];
  status: string;
};

/** The approval stages in order, each with who approved (or rejected) it so far; approvals cleared by an edit struck through. */
export function ApprovalsProgress({ stages, progress, approvals, status }: Props) {
  const live = approvals.filter((a) => a.supersededAt === null);
  const cleared = approvals.filter((a) => a.supersededAt !== null);
  return (
    <div className="space-y-4">
      {stages.length === 0 ? (
        <p className="text-sm text-slate-700">No approval needed: the policy approved this request automatically.</p>
      ) : (
        <ol aria-label="Approval stages" className="space-y-3">
          {stages.map((stage, i) => {
            const remaining = progress.remaining[i] ?? stage.count;
            const done = remaining === 0;
            const current = progress.currentStage === i && status === "pending_approval";
            const inStage = live.filter((a) => a.stageIndex === i);
            const state = done ? "complete" : current ? "waiting" : progress.rejected ? "stopped" : "not started";
            return (
              <li key={i} aria-label={`Stage ${i + 1}: ${stageProgress(stage, remaining)}`} className="rounded-md border border-slate-200 p-3">
                <div className="flex flex-wrap items-center justify-between gap-2">
                  <p className="text-sm font-medium text-slate-900">
                    Stage {i + 1}: {stageWho(stage)}
                    <span className="font-normal text-slate-500"> — {stage.reason}</span>
                  </p>
                  <span
                    className={`rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${
                      done
                        ? "bg-emerald-50 text-emerald-700 ring-emerald-200"
                        : current
                          ? "bg-amber-50 text-amber-800 ring-amber-200"
                          : "bg-slate-50 text-slate-600 ring-slate-200"
                    }`}
                  >
                    {stageProgress(stage, remaining)} · {state}
                  </span>
                </div>
                {inStage.length > 0 && (
                  <ul className="mt-2 space-y-1.5">
                    {inStage.map((a) => (
                      <ApprovalLine key={a.id} a={a} />
                    ))}
                  </ul>
                )}
              </li>
            );
          })}
        </ol>
      )}
      {cleared.length > 0 && (
        <div>
          <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Cleared after an edit</h3>
          <p className="mt-0.5 text-xs text-slate-500">The request changed after these decisions, so they no longer count.</p>
          <ul aria-label="Approvals cleared after an edit" className="mt-1.5 space-y-1.5">
            {cleared.map((a) => (
              <ApprovalLine key={a.id} a={a} cleared />
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

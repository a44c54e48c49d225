import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { formatDateTime } from "~/components/format/time";
import { RunLog } from "~/components/runs/run-log";
import { Card, PageHeader } from "~/components/ui/page";
import { serverApi } from "~/server/api/caller";
import { canReadSlo } from "~/server/auth/access";
import { requirePageAccess } from "~/server/auth/guards";

export const metadata: Metadata = { title: "Run log" };

/** A run and its log, one click from every SLO dashboard (runs.get answers NOT_FOUND for a team the viewer may not read). */
export default async function RunPage({ params }: { params: Promise<{ runId: string }> }) {
  await requirePageAccess(canReadSlo);
  const { runId } = await params;
  if (!/^[0-9a-f-]{36}$/i.test(runId)) notFound();
  const api = await serverApi();
  const result = await api.runs.get({ runId, after: 0 }).catch(() => null);
  if (!result) notFound();
  const { run } = result;
  return (
    <>
      <PageHeader
        title={`Run ${run.id.slice(0, 8)} (${run.kind}): ${run.status}`}
        description={
          <>
            Queued {formatDateTime(run.queuedAt)}, started {formatDateTime(run.startedAt)}, finished {formatDateTime(run.finishedAt)}, attempt{" "}
            {run.attempts}.{" "}
            <Link className="text-brand-700 hover:underline" href={`/environments/${run.environmentId}`}>
              Open the environment
            </Link>
          </>
        }
      />
      {run.error && (
        <Card title="Error">
          <p className="text-sm text-red-800">{run.error}</p>
        </Card>
      )}
      <Card title="Log">
        <RunLog runId={run.id} initialStatus={run.status} />
      </Card>
    </>
  );
}

import Link from "next/link";
import { runKindLabels } from "~/components/environments/format";
import { formatCentsExact, formatCents } from "~/components/format/money";
import { plural } from "~/components/format/plural";
import { formatDuration } from "~/components/format/time";
import { Badge } from "~/components/ui/page";
import { RelativeTime } from "~/components/ui/relative-time";
import { HomeCard, HomeRow } from "./home-card";
import type { HomePlatform } from "./types";

function Figure({ label, value, tone = "text-slate-900" }: { label: string; value: string; tone?: string }) {
  return (
    <div>
      <dt className="text-xs text-slate-600">{label}</dt>
      <dd className={`text-lg font-semibold ${tone}`}>{value}</dd>
    </div>
  );
}

/** The platform at a glance for admins and auditors: failures, the queue, the workers, money. */
export function AdminCards({ platform, now }: { platform: HomePlatform; now: number }) {
  const { queue, workers } = platform;
  const since = (at: Date | string | null) => (at ? formatDuration(now - new Date(at).getTime()) : "–");
  return (
    <>
      <HomeCard
        title="Failed runs (last 7 days)"
        href="/environments?scope=teams&status=failed"
        linkText="Failed environments"
        empty={platform.failedRuns.length === 0 ? "No run failed in the last 7 days." : null}
      >
        <ul className="divide-y divide-slate-100">
          {platform.failedRuns.map((r) => (
            <HomeRow
              key={r.runId}
              href={`/environments/${r.environmentId}`}
              title={r.environmentName}
              meta={
                <>
                  {r.teamName} · {runKindLabels[r.kind] ?? r.kind}
                  {r.error ? ` · ${r.error}` : ""}
                </>
              }
              aside={r.finishedAt ? <RelativeTime at={r.finishedAt} now={now} /> : null}
            />
          ))}
        </ul>
      </HomeCard>
      <HomeCard title="Provisioning queue" href="/environments?scope=teams&status=provisioning" linkText="Provisioning environments" empty={null}>
        <dl className="grid grid-cols-2 gap-4 sm:grid-cols-3">
          <Figure label="Runs waiting" value={String(queue.queuedRuns)} tone={queue.queuedRuns > 0 ? "text-amber-800" : undefined} />
          <Figure label="Runs running" value={String(queue.runningRuns)} />
          <Figure label="Approved, no run yet" value={String(queue.waitingRequests)} />
          <Figure label="Oldest waiting run" value={since(queue.oldestQueuedAt)} />
          <Figure label="Oldest approved request" value={since(queue.oldestWaitingAt)} />
        </dl>
      </HomeCard>
      <HomeCard title="Workers" href="/api/health" linkText="Health check" empty={null}>
        <p className="flex flex-wrap items-center gap-2 text-sm text-slate-700">
          <Badge tone={workers.ok ? "green" : "red"}>{workers.ok ? "Working" : "No worker"}</Badge>
          <span>
            {workers.ok
              ? `${plural(workers.workers, "worker")} alive`
              : "No worker has reported in the last 30 seconds: approved requests will wait."}
          </span>
        </p>
        <p className="mt-2 text-sm text-slate-600">
          {workers.lastHeartbeatAgeMs === null ? "No worker has ever started." : `Last heartbeat ${formatDuration(workers.lastHeartbeatAgeMs)} ago.`}{" "}
          Database: {platform.database ? "reachable" : "unreachable"}.
        </p>
      </HomeCard>
      <HomeCard
        title="Spend this month against budgets"
        href="/costs"
        linkText="Costs"
        empty={platform.budgets.length === 0 ? "No team yet. Create one in Admin → Teams." : null}
      >
        <ul className="space-y-3">
          {platform.budgets.map((t) => {
            const share = t.budgetCents > 0 ? t.spentCents / t.budgetCents : 0;
            const bar = share >= 1 ? "bg-red-600" : share >= 0.8 ? "bg-amber-500" : "bg-brand-600";
            return (
              <li key={t.id}>
                <div className="flex flex-wrap items-baseline justify-between gap-x-3 text-sm">
                  <Link href={`/costs?team=${t.id}`} className="font-medium text-brand-700 hover:underline">
                    {t.name}
                  </Link>
                  <span className="text-slate-700">
                    {formatCentsExact(t.spentCents)} of {formatCents(t.budgetCents)} ({Math.round(share * 100)}%, {t.mode})
                  </span>
                </div>
                <div
                  role="meter"
                  aria-label={`${t.name} budget used`}
                  aria-valuemin={0}
                  aria-valuemax={100}
                  aria-valuenow={Math.min(100, Math.round(share * 100))}
                  className="mt-1 h-2 overflow-hidden rounded-full bg-slate-100"
                >
                  <div className={`h-full ${bar}`} style={{ width: `${Math.min(100, share * 100)}%` }} />
                </div>
              </li>
            );
          })}
        </ul>
      </HomeCard>
    </>
  );
}

import { countdown, environmentStatusLabels, environmentStatusTones } from "~/components/environments/format";
import { formatCentsExact } from "~/components/format/money";
import { formatDateTime } from "~/components/format/time";
import { statusLabel, statusTone } from "~/components/requests/format";
import { Badge } from "~/components/ui/page";
import { RelativeTime } from "~/components/ui/relative-time";
import type { EnvironmentStatus } from "~/db/vocabulary";
import { HomeCard, HomeRow } from "./home-card";
import type { HomeEnvironment, HomeRequest } from "./types";

const DAY_MS = 86_400_000;

function Expiry({ at, now }: { at: Date | string; now: number }) {
  const left = countdown(at, now);
  return (
    <span title={formatDateTime(at)} className={left.tone === "red" ? "text-red-700" : left.tone === "amber" ? "text-amber-800" : "text-slate-600"}>
      {left.expired ? left.text : `expires ${left.text}`}
    </span>
  );
}

/** The developer's own environments, what expires within a day, and their requests still in flight. */
export function DeveloperCards({ environments, requests, now }: { environments: HomeEnvironment[]; requests: HomeRequest[]; now: number }) {
  const live = environments.filter((e) => e.status !== "destroyed");
  const expiring = live
    .filter((e) => e.status === "ready" && new Date(e.expiresAt).getTime() - now < DAY_MS)
    .sort((a, b) => new Date(a.expiresAt).getTime() - new Date(b.expiresAt).getTime());
  return (
    <>
      <HomeCard
        title="My environments"
        href="/environments"
        linkText="All environments"
        empty={live.length === 0 ? "You have no environments yet. Pick a template in the catalog to request one." : null}
      >
        <ul className="divide-y divide-slate-100">
          {live.slice(0, 6).map((e) => (
            <HomeRow
              key={e.id}
              href={`/environments/${e.id}`}
              title={e.name}
              meta={
                <>
                  {e.teamName} · {e.templateName} · <Expiry at={e.expiresAt} now={now} />
                </>
              }
              aside={
                <>
                  <span>{formatCentsExact(e.accruedCents)} so far</span>
                  <Badge tone={environmentStatusTones[e.status as EnvironmentStatus]}>{environmentStatusLabels[e.status as EnvironmentStatus]}</Badge>
                </>
              }
            />
          ))}
        </ul>
      </HomeCard>
      <HomeCard
        title="Expiring soon"
        href="/environments?expiring=24"
        linkText="Expiring environments"
        empty={expiring.length === 0 ? "Nothing of yours expires in the next 24 hours." : null}
      >
        <ul className="divide-y divide-slate-100">
          {expiring.slice(0, 6).map((e) => (
            <HomeRow key={e.id} href={`/environments/${e.id}`} title={e.name} meta={e.teamName} aside={<Expiry at={e.expiresAt} now={now} />} />
          ))}
        </ul>
      </HomeCard>
      <HomeCard
        title="My open requests"
        href="/requests"
        linkText="All my requests"
        empty={requests.length === 0 ? "No request of yours is waiting for approval or provisioning." : null}
      >
        <ul className="divide-y divide-slate-100">
          {requests.slice(0, 6).map((r) => (
            <HomeRow
              key={r.id}
              href={`/requests/${r.id}`}
              title={`${r.label} ${r.environmentName}`}
              meta={
                <>
                  {r.teamName} · submitted <RelativeTime at={r.submittedAt} now={now} />
                </>
              }
              aside={<Badge tone={statusTone(r.status)}>{statusLabel(r.status)}</Badge>}
            />
          ))}
        </ul>
      </HomeCard>
    </>
  );
}

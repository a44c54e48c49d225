import { formatCents } from "~/components/format/money";
import { plural } from "~/components/format/plural";
import { RelativeTime } from "~/components/ui/relative-time";
import { HomeCard, HomeRow } from "./home-card";
import type { HomeApproval } from "./types";

/** What waits for the approver's decision, oldest first: how long each has waited is the point. */
export function ApproverCard({ approvals, now }: { approvals: HomeApproval[]; now: number }) {
  const oldestFirst = [...approvals].sort((a, b) => new Date(a.submittedAt).getTime() - new Date(b.submittedAt).getTime());
  return (
    <HomeCard
      title="Waiting for your approval"
      href="/approvals"
      linkText={approvals.length > 0 ? `Open the inbox (${approvals.length})` : "Open the inbox"}
      empty={approvals.length === 0 ? "Nothing waits for your decision." : null}
    >
      <p className="mb-3 text-sm text-slate-600">{plural(approvals.length, "request")} of your teams, oldest first.</p>
      <ul className="divide-y divide-slate-100">
        {oldestFirst.slice(0, 6).map((a) => (
          <HomeRow
            key={a.id}
            href={`/requests/${a.id}`}
            title={`${a.label} ${a.environmentName}`}
            meta={
              <>
                {a.teamName} · {a.tier} · by {a.requesterName} · {formatCents(a.monthlyCents)}/month
              </>
            }
            aside={
              <span>
                waiting since <RelativeTime at={a.submittedAt} now={now} />
              </span>
            }
          />
        ))}
      </ul>
    </HomeCard>
  );
}

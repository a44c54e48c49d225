import type { Metadata } from "next";
import Link from "next/link";
import { AdminCards } from "~/components/home/admin-cards";
import { ApproverCard } from "~/components/home/approver-card";
import { DeveloperCards } from "~/components/home/developer-cards";
import { buttonClass } from "~/components/ui/button";
import { PageHeader } from "~/components/ui/page";
import { serverApi } from "~/server/api/caller";
import { approvesAnywhere, canReadAllTeams } from "~/server/auth/access";
import { requireViewer } from "~/server/auth/guards";

export const metadata: Metadata = { title: "Home" };

const openStatuses = new Set(["pending_approval", "approved", "queued", "provisioning"]);

/** The first page after sign-in, per role: a member's own environments and requests, an approver's waiting decisions, the platform's health for admins and auditors. */
export default async function HomePage() {
  const viewer = await requireViewer();
  const api = await serverApi();
  const member = viewer.teams.length > 0;
  const [environments, requests, approvals, platform] = await Promise.all([
    member ? api.environments.list({ scope: "mine", limit: 50 }) : null,
    member ? api.requests.list({ scope: "mine", limit: 50 }) : null,
    approvesAnywhere(viewer) ? api.approvals.inbox() : null,
    canReadAllTeams(viewer) ? api.home.platform() : null,
  ]);
  // One clock for the whole page, so every "in 3 hours" agrees.
  const now = new Date().getTime();
  const firstName = viewer.name.split(" ")[0] ?? viewer.name;
  return (
    <>
      <PageHeader
        title={`Welcome, ${firstName}`}
        description={
          platform
            ? "The platform at a glance: failures, the queue, the workers and spend."
            : "Your environments, your requests and what waits for you."
        }
        actions={
          member ? (
            <Link href="/catalog" className={buttonClass("primary")}>
              New environment
            </Link>
          ) : undefined
        }
      />
      <div className="grid gap-6 lg:grid-cols-2">
        {approvals && <ApproverCard approvals={approvals} now={now} />}
        {environments && requests && (
          <DeveloperCards environments={environments.environments} requests={requests.requests.filter((r) => openStatuses.has(r.status))} now={now} />
        )}
        {platform && <AdminCards platform={platform} now={now} />}
      </div>
      {!member && !platform && (
        <p className="text-sm text-slate-600">
          You are not in a team yet: ask an admin to add you. Meanwhile, browse the{" "}
          <Link href="/catalog" className="text-brand-700 underline">
            catalog
          </Link>
          .
        </p>
      )}
    </>
  );
}

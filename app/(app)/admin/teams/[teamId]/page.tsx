import { TRPCError } from "@trpc/server";
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { MembersPanel } from "~/components/admin/members-panel";
import { TeamSettingsForm } from "~/components/admin/team-settings-form";
import { Card } from "~/components/ui/page";
import { serverApi } from "~/server/api/caller";

export const metadata: Metadata = { title: "Team · Admin" };

export default async function AdminTeamPage({ params }: { params: Promise<{ teamId: string }> }) {
  const { teamId } = await params;
  const api = await serverApi();
  const team = await api.teams.get({ teamId }).catch((error: unknown) => {
    if (error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST")) notFound();
    throw error;
  });
  return (
    <div className="space-y-6">
      <div>
        <Link href="/admin/teams" className="text-sm text-brand-700 hover:underline">
          ← All teams
        </Link>
        <div className="mt-2 flex flex-wrap items-baseline justify-between gap-2">
          <h2 className="text-xl font-semibold">
            {team.name} <span className="font-mono text-sm font-normal text-slate-500">{team.slug}</span>
          </h2>
          <Link href={`/teams/${team.id}/webhooks`} className="text-sm font-medium text-brand-700 hover:underline">
            Webhooks of {team.name}
          </Link>
        </div>
      </div>
      <div className="grid gap-6 lg:grid-cols-2 [&>*]:min-w-0">
        <Card title="Settings and budget">
          <TeamSettingsForm key={team.version} team={team} />
        </Card>
        <Card title={`Members (${team.members.length})`}>
          <MembersPanel teamId={team.id} teamName={team.name} members={team.members} />
        </Card>
      </div>
    </div>
  );
}

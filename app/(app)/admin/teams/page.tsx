import type { Metadata } from "next";
import Link from "next/link";
import { CreateTeamForm } from "~/components/admin/create-team-form";
import { formatCents } from "~/components/format/money";
import { Card, EmptyState } from "~/components/ui/page";
import { serverApi } from "~/server/api/caller";

export const metadata: Metadata = { title: "Teams · Admin" };

export default async function AdminTeamsPage() {
  const api = await serverApi();
  const teams = await api.teams.list();
  return (
    <div className="space-y-6">
      {teams.length === 0 ? (
        <EmptyState title="No teams yet">Create the first team below; then add members and approvers to it.</EmptyState>
      ) : (
        <Card title={`Teams (${teams.length})`}>
          <table className="w-full text-left text-sm">
            <caption className="sr-only">All teams</caption>
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th scope="col" className="pb-2 font-medium">
                  Team
                </th>
                <th scope="col" className="pb-2 font-medium">
                  Cost center
                </th>
                <th scope="col" className="pb-2 text-right font-medium">
                  Monthly budget
                </th>
                <th scope="col" className="pb-2 text-right font-medium">
                  Members
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {teams.map((team) => (
                <tr key={team.id}>
                  <td className="py-2.5">
                    <Link href={`/admin/teams/${team.id}`} className="font-medium text-brand-700 hover:underline">
                      {team.name}
                    </Link>
                    <span className="ml-2 font-mono text-xs text-slate-500">{team.slug}</span>
                  </td>
                  <td className="py-2.5 font-mono text-xs">{team.costCenter}</td>
                  <td className="py-2.5 text-right tabular-nums">{formatCents(team.monthlyBudgetCents)}</td>
                  <td className="py-2.5 text-right tabular-nums">{team.memberCount}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
      <Card title="New team">
        <CreateTeamForm />
      </Card>
    </div>
  );
}

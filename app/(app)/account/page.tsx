import type { Metadata } from "next";
import Link from "next/link";
import { Badge, Card, EmptyState, PageHeader } from "~/components/ui/page";
import { isAdmin, isAuditor } from "~/server/auth/access";
import { requireViewer } from "~/server/auth/guards";

export const metadata: Metadata = { title: "My teams and roles" };

const roleHelp = {
  member: "may request environments for the team",
  approver: "may request, and approve other people's requests",
} as const;

export default async function AccountPage() {
  const viewer = await requireViewer();
  return (
    <>
      <PageHeader
        title="My teams and roles"
        description={`Signed in as ${viewer.name} (${viewer.email}).`}
        actions={
          <Link href="/account/tokens" className="text-sm font-medium text-brand-700 hover:underline">
            API tokens
          </Link>
        }
      />
      <div className="grid gap-6 lg:grid-cols-3">
        <Card title="Global role" className="lg:col-span-1">
          {isAdmin(viewer) && (
            <p className="text-sm">
              <Badge tone="brand">Admin</Badge> <span className="ml-1">curates the catalog, teams, budgets and quotas.</span>
            </p>
          )}
          {isAuditor(viewer) && (
            <p className="text-sm">
              <Badge tone="amber">Auditor</Badge> <span className="ml-1">reads everything and changes nothing.</span>
            </p>
          )}
          {!viewer.globalRole && <p className="text-sm text-slate-600">None. Your rights come from your team memberships.</p>}
        </Card>
        <div className="lg:col-span-2">
          {viewer.teams.length === 0 ? (
            <EmptyState title="You are not in any team">An admin can add you to a team; then you can request environments for it.</EmptyState>
          ) : (
            <Card title="Teams">
              <table className="w-full text-left text-sm">
                <caption className="sr-only">Your team memberships</caption>
                <thead className="text-xs uppercase text-slate-500">
                  <tr>
                    <th scope="col" className="pb-2 font-medium">
                      Team
                    </th>
                    <th scope="col" className="pb-2 font-medium">
                      Role
                    </th>
                    <th scope="col" className="pb-2 font-medium">
                      What it allows
                    </th>
                    <th scope="col" className="pb-2 font-medium">
                      <span className="sr-only">Team settings</span>
                    </th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {viewer.teams.map((team) => (
                    <tr key={team.id}>
                      <td className="py-2.5 font-medium">{team.name}</td>
                      <td className="py-2.5">
                        <Badge tone={team.role === "approver" ? "green" : "slate"}>{team.role}</Badge>
                      </td>
                      <td className="py-2.5 text-slate-600">{roleHelp[team.role]}</td>
                      <td className="py-2.5 text-right">
                        {team.role === "approver" && (
                          // Stacked, so the row fits a phone's width.
                          <div className="flex flex-col items-end gap-1">
                            <Link href={`/teams/${team.id}/webhooks`} className="text-sm font-medium text-brand-700 hover:underline">
                              Webhooks<span className="sr-only"> of {team.name}</span>
                            </Link>
                            <Link href={`/teams/${team.id}/tokens`} className="text-sm font-medium text-brand-700 hover:underline">
                              Service tokens<span className="sr-only"> of {team.name}</span>
                            </Link>
                          </div>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Card>
          )}
        </div>
      </div>
    </>
  );
}

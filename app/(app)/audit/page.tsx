import type { Metadata } from "next";
import { UsersTable } from "~/components/admin/users-table";
import { Badge, Card, EmptyState, PageHeader } from "~/components/ui/page";
import { serverApi } from "~/server/api/caller";
import { requireViewer } from "~/server/auth/guards";

export const metadata: Metadata = { title: "Audit" };

const timeFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "medium" });

export default async function AuditPage() {
  const viewer = await requireViewer(); // access checked in layout.tsx
  const api = await serverApi();
  const [{ events }, users] = await Promise.all([api.audit.list({ limit: 100 }), api.users.list()]);
  return (
    <>
      <PageHeader
        title="Audit"
        description="Every state change, newest first: who did what, when. The log is append-only; nobody can edit or delete an entry."
      />
      <div className="space-y-6">
        <Card title="Recent events">
          {events.length === 0 ? (
            <EmptyState title="No events yet" />
          ) : (
            <div className="overflow-x-auto">
              <table className="w-full text-left text-sm">
                <caption className="sr-only">Audit events</caption>
                <thead className="text-xs uppercase text-slate-500">
                  <tr>
                    <th scope="col" className="pb-2 font-medium">When</th>
                    <th scope="col" className="pb-2 font-medium">Who</th>
                    <th scope="col" className="pb-2 font-medium">Action</th>
                    <th scope="col" className="pb-2 font-medium">Subject</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {events.map((e) => (
                    <tr key={e.id}>
                      <td className="whitespace-nowrap py-2 pr-4 text-slate-600">{timeFormat.format(e.at)}</td>
                      <td className="py-2 pr-4">{e.actorLabel}</td>
                      <td className="py-2 pr-4">
                        <Badge tone="brand">{e.action}</Badge>
                      </td>
                      <td className="py-2 font-mono text-xs text-slate-600">
                        {e.subjectType}/{e.subjectId}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Card>
        <Card title={`Users (${users.length})`}>
          <UsersTable users={users} viewerId={viewer.id} editable={false} />
        </Card>
      </div>
    </>
  );
}

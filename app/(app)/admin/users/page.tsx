import type { Metadata } from "next";
import { UsersTable } from "~/components/admin/users-table";
import { Card } from "~/components/ui/page";
import { serverApi } from "~/server/api/caller";
import { requireViewer } from "~/server/auth/guards";

export const metadata: Metadata = { title: "Users · Admin" };

export default async function AdminUsersPage() {
  const viewer = await requireViewer();
  const users = await (await serverApi()).users.list();
  return (
    <Card title={`Users (${users.length})`}>
      <p className="mb-4 text-sm text-slate-600">People appear here after their first sign-in. Team roles are set on each team&apos;s page.</p>
      <UsersTable users={users} viewerId={viewer.id} editable />
    </Card>
  );
}

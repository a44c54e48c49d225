import type { ReactNode } from "react";
import { AdminTabs } from "~/components/admin/admin-tabs";
import { PageHeader } from "~/components/ui/page";
import { isAdmin } from "~/server/auth/access";
import { requirePageAccess } from "~/server/auth/guards";

export default async function AdminLayout({ children }: { children: ReactNode }) {
  await requirePageAccess(isAdmin);
  return (
    <>
      <PageHeader
        title="Admin"
        description="Teams, memberships, budgets, users and the template catalog. Every change is written to the audit log."
      />
      <AdminTabs />
      {children}
    </>
  );
}

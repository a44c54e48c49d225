import type { ReactNode } from "react";
import { approvesAnywhere } from "~/server/auth/access";
import { requirePageAccess } from "~/server/auth/guards";

export default async function ApprovalsLayout({ children }: { children: ReactNode }) {
  await requirePageAccess(approvesAnywhere);
  return children;
}

import type { ReactNode } from "react";
import { oversees } from "~/server/auth/access";
import { requirePageAccess } from "~/server/auth/guards";

export default async function AuditLayout({ children }: { children: ReactNode }) {
  await requirePageAccess(oversees);
  return children;
}

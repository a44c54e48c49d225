import type { Metadata } from "next";
import Link from "next/link";
import { EnvironmentsBrowser } from "~/components/environments/environments-browser";
import { buttonClass } from "~/components/ui/button";
import { PageHeader } from "~/components/ui/page";
import { canReadAllTeams } from "~/server/auth/access";
import { requireViewer } from "~/server/auth/guards";

export const metadata: Metadata = { title: "Environments" };

export default async function EnvironmentsPage() {
  const viewer = await requireViewer();
  return (
    <>
      <PageHeader
        title="Environments"
        description="What your requests created: status, expiry and what it has cost so far."
        actions={
          <Link href="/catalog" className={buttonClass("primary")}>
            New environment
          </Link>
        }
      />
      <EnvironmentsBrowser oversees={canReadAllTeams(viewer)} />
    </>
  );
}

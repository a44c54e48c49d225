import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { Card, PageHeader } from "~/components/ui/page";
import { canReadSlo } from "~/server/auth/access";
import { requirePageAccess } from "~/server/auth/guards";

export const metadata: Metadata = { title: "Runbook" };

/** The runbooks the alerts link (docs/runbooks/*.md), shown in the portal as written. */
const runbooks = ["slo-fast-burn", "slo-slow-burn", "time-to-provision-burn", "no-live-worker", "quota-blocks"] as const;

export default async function RunbookPage({ params }: { params: Promise<{ name: string }> }) {
  await requirePageAccess(canReadSlo);
  const { name } = await params;
  const known = runbooks.find((r) => r === name);
  if (!known) notFound();
  const text = await readFile(path.join(process.cwd(), "docs", "runbooks", `${known}.md`), "utf8").catch(() => null);
  if (text === null) notFound();
  const [title, ...rest] = text.split("\n");
  return (
    <>
      <PageHeader title={title?.replace(/^#\s*/, "") ?? known} description={`Runbook docs/runbooks/${known}.md`} />
      <Card>
        <pre className="whitespace-pre-wrap text-sm leading-6 text-slate-800">{rest.join("\n").trim()}</pre>
      </Card>
    </>
  );
}

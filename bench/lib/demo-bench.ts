/**
 * What the runner benchmarks share (bench/runner.bench.ts, bench/runner-ab.bench.ts; the rollout
 * bench waits the same way): the demo's Data Science team with its budget and quotas lifted, its
 * developer and approver as viewers, a bastion-host submit and its approval; and waiting for a state.
 */
import { randomUUID } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import type { Database } from "~/db/client";
import { requests, teams, users } from "~/db/schema";
import { decideRequest } from "~/server/services/approvals";
import { submitRequest } from "~/server/services/requests";
import { loadViewer } from "~/server/services/users";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every `intervalMs` until it holds; throws naming `what` after `timeoutMs`. */
export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string, intervalMs = 20) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(intervalMs);
  }
}

/** The demo's Data Science team (no budget or quota in the way), its developer and approver, and a staging bastion's submit and approval. */
export async function benchBastions(db: Database, justification: string) {
  const [team] = await db.select().from(teams).where(eq(teams.slug, "data-science"));
  const developerRow = (await db.select().from(users).where(eq(users.email, "dev@provisio.local")))[0];
  const approverRow = (await db.select().from(users).where(eq(users.email, "approver@provisio.local")))[0];
  if (!team || !developerRow || !approverRow) throw new Error("demo data missing");
  const developer = (await loadViewer(db, developerRow.id))!;
  const approver = (await loadViewer(db, approverRow.id))!;
  await db.update(teams).set({ monthlyBudgetCents: 100_000_000, quotaVcpus: null, quotaInstances: null }).where(eq(teams.id, team.id));
  const submit = (name: string) =>
    submitRequest(db, developer, {
      teamId: team.id,
      templateName: "bastion-host",
      tier: "staging",
      environmentName: name,
      ttlHours: 24,
      parameters: {},
      justification,
      clientRequestId: randomUUID(),
    });
  const approve = (id: string) => decideRequest(db, approver, { requestId: id, expectedVersion: 1, decision: "approved", comment: "" });
  return { team, developer, approver, submit, approve };
}

type Bastions = Pick<Awaited<ReturnType<typeof benchBastions>>, "submit" | "approve">;

/** Submits `count` bastions named `<prefix>-<i>`, then approves them all at once (`onApproving` just before); their request ids. */
export async function approvedAtOnce(bastions: Bastions, count: number, prefix: string, onApproving?: () => void): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push((await bastions.submit(`${prefix}-${i}`)).id);
  onApproving?.();
  await Promise.all(ids.map((id) => bastions.approve(id)));
  return ids;
}

/** Waits until every one of these requests is ready or failed. */
export const settled = (db: Database, ids: string[], what: string, timeoutMs = 600_000) =>
  waitUntil(
    async () => (await db.$count(requests, and(inArray(requests.id, ids), inArray(requests.status, ["ready", "failed"])))) === ids.length,
    timeoutMs,
    what,
  );

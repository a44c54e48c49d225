/**
 * Fast-burn alerts inside the portal: the cron job (evaluate_slo_burn, every minute) checks every
 * SLO across all teams; when a fast burn starts it opens one alert row (the partial unique index
 * keeps one open per SLO, so two workers or two ticks cannot both start it), tells every admin in
 * the app and sends `slo.burn_rate_high` to each team webhook subscribed to it; while it keeps
 * burning nothing more is sent; when it stops the row is closed, and a later burn alerts again.
 */
import { randomUUID } from "node:crypto";
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Database } from "~/db/client";
import { notifications, sloBurnAlerts, users, webhooks } from "~/db/schema";
import { cloudEventTypePrefix } from "~/server/core/event-types";
import { enqueueWebhookDeliveries } from "~/server/core/webhook-outbox";
import { sloStatus } from "./targets";

export type BurnReport = { started: string[]; stopped: string[]; ongoing: string[] };

export async function evaluateBurnAlerts(db: Database, now: Date = new Date()): Promise<BurnReport> {
  const report: BurnReport = { started: [], stopped: [], ongoing: [] };
  for (const slo of await sloStatus(db, { now, teamIds: null })) {
    const firing = slo.burn.fast.firing;
    await db.transaction(async (tx) => {
      const [open] = await tx
        .select()
        .from(sloBurnAlerts)
        .where(and(eq(sloBurnAlerts.sloKey, slo.key), isNull(sloBurnAlerts.endedAt)))
        .for("update");
      if (open && !firing) {
        await tx.update(sloBurnAlerts).set({ endedAt: now }).where(eq(sloBurnAlerts.id, open.id));
        report.stopped.push(slo.key);
        return;
      }
      if (open || !firing) {
        if (open) report.ongoing.push(slo.key);
        return;
      }
      const [alert] = await tx
        .insert(sloBurnAlerts)
        .values({ sloKey: slo.key, startedAt: now, burnRateLong: slo.burn.fast.long ?? 0, burnRateShort: slo.burn.fast.short ?? 0 })
        .onConflictDoNothing()
        .returning();
      if (!alert) return; // another worker started it a moment ago
      report.started.push(slo.key);
      const title = `${slo.title}: burning its error budget fast`;
      const body = `Burn rate ${slo.burn.fast.long!.toFixed(1)}× over 1 h and ${slo.burn.fast.short!.toFixed(1)}× over 5 min (alert above 14.4×); objective ${(slo.objective * 100).toFixed(2)} % over ${slo.windowDays} days.`;
      const admins = await tx.select({ id: users.id }).from(users).where(eq(users.globalRole, "admin"));
      if (admins.length > 0)
        await tx.insert(notifications).values(admins.map((a) => ({ userId: a.id, kind: "slo_burn_rate_high", title, body, link: "/slo/oncall" })));
      const data = {
        slo: slo.key,
        title: slo.title,
        objective: slo.objective,
        windowDays: slo.windowDays,
        burnRate1h: slo.burn.fast.long,
        burnRate5m: slo.burn.fast.short,
        budgetLeft: slo.budgetLeft,
        runbook: "docs/runbooks/slo-fast-burn.md",
      };
      // Platform-wide: every team whose webhook subscribed gets it, with one event id.
      const subscribed = await tx
        .selectDistinct({ teamId: webhooks.teamId })
        .from(webhooks)
        .where(and(eq(webhooks.active, true), sql`${`${cloudEventTypePrefix}slo.burn_rate_high`} = any(${webhooks.events})`));
      const eventId = randomUUID();
      await enqueueWebhookDeliveries(
        tx,
        subscribed.map(({ teamId }) => ({ eventId, type: "slo.burn_rate_high", teamId, subject: `slo/${slo.key}`, time: now, data })),
      );
    });
  }
  return report;
}

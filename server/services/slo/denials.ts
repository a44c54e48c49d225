/**
 * Denied previews and submits (SLI M6): a team's quota or hard budget refused a request before it
 * existed, so nothing else records it. One counter row per refusal; a preview repeats while the
 * user types, so previews count once per user, team, template, tier and rule per 10 minutes.
 */
import { sql } from "drizzle-orm";
import type { Executor } from "~/db/client";
import { sloDenials } from "~/db/schema";
import { denialRules, type DenialRule, type DenialStage } from "~/db/vocabulary";
import type { PolicyDecision } from "~/server/policy";

export const PREVIEW_DEDUPE_MINUTES = 10;

/** The quota and budget rules that denied this decision (none when it was not denied by them). */
export function denialRulesOf(decision: Pick<PolicyDecision, "reasons">): DenialRule[] {
  const rules = decision.reasons.filter((r) => r.effect === "deny").map((r) => r.rule);
  return denialRules.filter((rule) => rules.includes(rule));
}

export async function recordDenials(
  db: Executor,
  input: { stage: DenialStage; rules: readonly DenialRule[]; teamId: string; userId: string; templateName: string; tier: string; now?: Date },
): Promise<void> {
  const at = input.now ?? new Date();
  for (const rule of input.rules) {
    if (input.stage === "submit") {
      await db
        .insert(sloDenials)
        .values({ at, stage: "submit", rule, teamId: input.teamId, userId: input.userId, templateName: input.templateName, tier: input.tier });
      continue;
    }
    await db.execute(sql`
      insert into ${sloDenials} (at, stage, rule, team_id, user_id, template_name, tier)
      select ${at.toISOString()}::timestamptz, 'preview', ${rule}::denial_rule, ${input.teamId}, ${input.userId}, ${input.templateName}, ${input.tier}
      where not exists (
        select 1 from ${sloDenials}
        where user_id = ${input.userId} and team_id = ${input.teamId} and stage = 'preview' and rule = ${rule}::denial_rule
          and template_name = ${input.templateName} and tier = ${input.tier}
          and at > ${at.toISOString()}::timestamptz - make_interval(mins => ${PREVIEW_DEDUPE_MINUTES})
      )`);
  }
}

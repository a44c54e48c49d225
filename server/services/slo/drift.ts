/**
 * M4 drift occurrences and M9 unauthorized change rate, from the drift checks (issue 13) through
 * server/services/drift-metrics.ts, in the dashboards' scope (teams, engine, tier, template).
 */
import type { Executor } from "~/db/client";
import { checkedEnvironments, driftOccurrences, unauthorizedChangeRate } from "../drift-metrics";
import type { SloScope } from "./scope";

export type DriftMeasure =
  | { measured: false; why: string }
  | {
      measured: true;
      /** M4 */ occurrences: number;
      perEnvironmentWeek: number | null;
      /** M9 */ unauthorizedChanges: number;
      unauthorizedRate: number | null;
    };

export type DriftSource = (db: Executor, scope: SloScope) => Promise<DriftMeasure>;

const WEEK_MS = 7 * 24 * 3600 * 1000;

/**
 * From the drift checks' reports (server/services/drift-metrics.ts), in the SLO scope. An
 * environment nobody checked in the range has no figure: with no completed check, both say so.
 */
const fromDriftChecks: DriftSource = async (db, scope) => {
  const range = { from: scope.from, to: scope.to, teamIds: scope.teamIds, engine: scope.engine, tier: scope.tier, template: scope.template };
  // Together: on a pool each on its own connection; a transaction (one snapshot) queues them.
  const [occurrences, unauthorized, checked] = await Promise.all([
    driftOccurrences(db, range),
    unauthorizedChangeRate(db, range),
    checkedEnvironments(db, range),
  ]);
  if (checked === 0) return { measured: false, why: "No drift check completed in this range and scope: drift is counted from the checks' reports." };
  const weeks = (scope.to.getTime() - scope.from.getTime()) / WEEK_MS;
  return {
    measured: true,
    occurrences: occurrences.occurrences,
    perEnvironmentWeek: weeks > 0 ? occurrences.occurrences / (checked * weeks) : null,
    unauthorizedChanges: unauthorized.unexplained,
    unauthorizedRate: unauthorized.rate,
  };
};

/** The one place the drift checks plug in. */
export const driftSource: DriftSource = fromDriftChecks;

export const driftMeasure = (db: Executor, scope: SloScope) => driftSource(db, scope);

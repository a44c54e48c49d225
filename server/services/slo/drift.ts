/**
 * M4 drift occurrences and M9 unauthorized change rate: the seam for the drift checks (issue 13).
 * Until `server/services/drift-metrics.ts` is merged, both answer "not measured yet" with why;
 * the lead wires it by replacing `driftSource` below (one place) with a call into it.
 */
import type { Executor } from "~/db/client";
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

const notYet: DriftSource = async () => ({
  measured: false,
  why: "Drift checks are not in this build yet: drift occurrences (M4) and the unauthorized change rate (M9) are counted from their reports once they run.",
});

/** The one place the drift checks plug in. */
export const driftSource: DriftSource = notYet;

export const driftMeasure = (db: Executor, scope: SloScope) => driftSource(db, scope);

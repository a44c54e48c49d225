/** The ten provisioning SLIs of seed 004 (M1–M10), computed from the database for one scope and range. */
import type { Executor } from "~/db/client";
import { costPerEnvironment } from "./cost";
import { driftMeasure } from "./drift";
import { errorsByCause, partialApplies, quotaBlocks } from "./failures";
import { timeToRecover } from "./recovery";
import type { SloScope } from "./scope";
import { successRate } from "./success";
import { timeToProvision } from "./time-to-provision";

export type { SloRange, SloScope, Stats } from "./scope";

export async function computeSlis(db: Executor, scope: SloScope) {
  // One after another: the caller may pass a transaction (one snapshot), which runs one query at a time.
  const m1 = await successRate(db, scope);
  const provisioning = await timeToProvision(db, scope);
  const m3 = await partialApplies(db, scope);
  const drift = await driftMeasure(db, scope);
  const m5 = await errorsByCause(db, scope);
  const m6 = await quotaBlocks(db, scope);
  const m7 = await timeToRecover(db, scope);
  const m8 = await costPerEnvironment(db, scope);
  return {
    m1,
    m2: { total: provisioning.total, byTier: provisioning.byTier },
    m3,
    m4: drift,
    m5,
    m6,
    m7,
    m8,
    m9: drift,
    m10: provisioning.stages,
  };
}
export type Slis = Awaited<ReturnType<typeof computeSlis>>;

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
  // Sent together: on a pool each statement runs on its own connection, so the dashboard waits
  // for the slowest rather than the sum; a transaction (one snapshot) queues them on its client.
  const [m1, provisioning, m3, drift, m5, m6, m7, m8] = await Promise.all([
    successRate(db, scope),
    timeToProvision(db, scope),
    partialApplies(db, scope),
    driftMeasure(db, scope),
    errorsByCause(db, scope),
    quotaBlocks(db, scope),
    timeToRecover(db, scope),
    costPerEnvironment(db, scope),
  ]);
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

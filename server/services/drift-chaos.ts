/**
 * The simulator's chaos call (admins, audited): drift one of a sim environment's resources on
 * purpose, so the demo (and tests) can show a drift check finding it. Also the configured form,
 * `faults.drift` in PROVISIO_SIM_FAULTS, applied to environments about to be checked.
 */
import type { Database } from "~/db/client";
import type { Environment } from "~/db/schema";
import { canCauseChaos } from "~/server/access/rules";
import { recordAudit } from "~/server/core/audit";
import { ServiceError } from "~/server/core/errors";
import { causeDrift, type ChaosKind } from "~/server/engines/sim/chaos";
import { simEngine, type SimEngine } from "~/server/engines/sim/engine";
import { actorOf, type Viewer } from "./users";

export async function causeSimDrift(db: Database, viewer: Viewer, environment: Environment, input: { kind: ChaosKind }, sim: SimEngine = simEngine) {
  if (!canCauseChaos(viewer)) throw new ServiceError("forbidden", "Causing drift on purpose needs the admin role.");
  if (environment.engine !== "sim")
    throw new ServiceError("invalid", `${environment.name} is not a simulator environment: chaos only drifts the simulator.`, "environmentId");
  if (environment.status !== "ready")
    throw new ServiceError("conflict", `${environment.name} is ${environment.status}: only a ready environment can be drifted.`);
  const changes = await causeDrift(sim.cloud, { environmentId: environment.id, kind: input.kind });
  if (!changes.length) throw new ServiceError("conflict", `No resource of ${environment.name} can be changed that way (${input.kind}).`, "kind");
  await recordAudit(db, actorOf(viewer), {
    action: "sim.chaos",
    subjectType: "environment",
    subjectId: environment.id,
    teamId: environment.teamId,
    correlationId: environment.requestId,
    after: { kind: input.kind, changes },
  });
  return { changes };
}

/** PROVISIO_SIM_FAULTS `faults.drift`: with its rate, drift each sim environment about to be checked (the demo's steady chaos). */
export async function applyConfiguredDrift(environmentIds: string[], sim: SimEngine = simEngine, random: () => number = Math.random) {
  if (!environmentIds.length) return [];
  const drift = (await sim.cloud.config()).faults.drift;
  if (!drift || drift.rate <= 0) return [];
  const made = [];
  for (const environmentId of environmentIds) {
    if (random() >= drift.rate) continue;
    const kind = drift.kinds[Math.floor(random() * drift.kinds.length)] ?? "property";
    made.push(...(await causeDrift(sim.cloud, { environmentId, kind, random })));
  }
  return made;
}

import { EngineError, planByAddress, type Engine } from "~/server/engines/engine";
import { postgresEngine } from "~/server/engines/postgres/engine";
import { simEngine } from "~/server/engines/sim/engine";
import type { EngineName } from "~/server/engines/types";
import type { EngineRegistry } from "./provision";

/** An engine this install cannot run: every operation fails permanently, saying why, so the run ends cleanly. */
function unavailable(name: EngineName, reason: string): Engine {
  const fail = () => Promise.reject(new EngineError("permanent", reason));
  return { name, plan: planByAddress, apply: fail, destroy: fail, read: () => Promise.resolve([]) };
}

const terraform = unavailable("terraform", "The terraform engine is not available in this release yet: the request cannot be provisioned.");

/** The engines of this process: the simulator and PostgreSQL on this install's database. */
export const defaultEngines: EngineRegistry = (name) => {
  switch (name) {
    case "sim":
      return simEngine;
    case "postgres":
      return postgresEngine();
    case "terraform":
      return terraform;
  }
};

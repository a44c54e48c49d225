import { postgresEngine } from "~/server/engines/postgres/engine";
import { simEngine } from "~/server/engines/sim/engine";
import { terraformEngine } from "~/server/engines/terraform/engine";
import type { EngineName } from "~/server/engines/types";
import type { EngineRegistry } from "./types";

/** The engines of this process: the simulator, PostgreSQL on this install's database, and the Terraform/OpenTofu CLI. */
export const defaultEngines: EngineRegistry = (name: EngineName) => {
  switch (name) {
    case "sim":
      return simEngine;
    case "postgres":
      return postgresEngine();
    case "terraform":
      return terraformEngine();
  }
};

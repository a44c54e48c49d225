/**
 * Every engine, in one place: its catalog (resource types, price list), its capabilities, how
 * this process gets it, and whether this install can run it. The runner, the template checks,
 * the catalog and the cost export read it; the UI gets the capabilities with the data it shows,
 * never by comparing engine names.
 *
 * Adding an engine: a folder `server/engines/<name>/` with its Engine and a `registration.ts`,
 * its name in `engineNames` (types.ts, which templates validate against), and one line below.
 * The compiler refuses a name without a line and a line without a name.
 */
import type { Engine } from "./engine";
import { postgresRegistration } from "./postgres/registration";
import type { EngineRegistration } from "./registration";
import { simRegistration } from "./sim/registration";
import { terraformRegistration } from "./terraform/registration";
import { engineNames, type EngineAvailability, type EngineCapabilities, type EngineName } from "./types";

export const engineRegistry = {
  sim: simRegistration,
  postgres: postgresRegistration,
  terraform: terraformRegistration,
} as const satisfies { readonly [N in EngineName]: EngineRegistration<N> };

export type { EngineRegistration };

export function isEngineName(value: string): value is EngineName {
  return (engineNames as readonly string[]).includes(value);
}

/** The registration of an engine name read from a row (text column): undefined for a name this release does not know. */
export function findEngine(name: string): EngineRegistration | undefined {
  return isEngineName(name) ? engineRegistry[name] : undefined;
}

/** What an engine can do; a name this release does not know (an old row) can do nothing optional. */
export function engineCapabilities(name: string): EngineCapabilities {
  return findEngine(name)?.capabilities ?? { apply: "per-resource", planPreview: false, driftRead: false };
}

/** The runner's engine registry (`EngineRegistry` in server/runner): an engine name → this process's engine. */
export function engineFor(name: EngineName): Engine {
  return engineRegistry[name].engine();
}

/**
 * Availability is looked up at most every 30 seconds per engine (the catalog asks for every
 * template on every page): installing a missing terraform binary makes its templates available
 * without a restart.
 */
const AVAILABILITY_TTL_MS = 30_000;
const availabilityCache = new Map<EngineName, { at: number; value: EngineAvailability }>();
const overrides = new Map<EngineName, EngineAvailability>();

export function engineAvailability(name: EngineName, now: number = Date.now()): EngineAvailability {
  const override = overrides.get(name);
  if (override) return override;
  const probe = engineRegistry[name].probeAvailability;
  if (!probe) return { available: true };
  const cached = availabilityCache.get(name);
  if (cached && now - cached.at <= AVAILABILITY_TTL_MS) return cached.value;
  const value = probe();
  availabilityCache.set(name, { at: now, value });
  return value;
}

/** Tests: pretend an engine is (un)available; null restores the real answer (looked up afresh). */
export function overrideEngineAvailability(name: EngineName, value: EngineAvailability | null): void {
  if (value) overrides.set(name, value);
  else overrides.delete(name);
  availabilityCache.delete(name);
}

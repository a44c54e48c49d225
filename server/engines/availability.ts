/**
 * Whether this install can run an engine's templates. The simulator and postgres always can; the
 * terraform engine needs a terraform or tofu binary (settings.ts). The catalog marks templates of
 * an unavailable engine and request submission refuses them, naming the cause, instead of letting
 * a run fail later. Looking is cheap (no process is started) and cached for 30 seconds, so
 * installing the binary makes the templates available without a restart.
 */
import { locateBinary } from "./terraform/settings";
import type { EngineName } from "./types";

export type EngineAvailability = { available: true } | { available: false; reason: string };

let cached: { at: number; value: EngineAvailability } | null = null;
const overrides = new Map<EngineName, EngineAvailability>();

export function engineAvailability(engine: EngineName): EngineAvailability {
  const override = overrides.get(engine);
  if (override) return override;
  if (engine !== "terraform") return { available: true };
  if (!cached || Date.now() - cached.at > 30_000) {
    const location = locateBinary(process.env.PROVISIO_TERRAFORM_BIN, process.env.PATH);
    cached = { at: Date.now(), value: location.ok ? { available: true } : { available: false, reason: `Terraform templates cannot run on this server: ${location.reason}.` } };
  }
  return cached.value;
}

/** Tests: pretend an engine is (un)available; null restores the real answer. */
export function overrideEngineAvailability(engine: EngineName, value: EngineAvailability | null): void {
  if (value) overrides.set(engine, value);
  else overrides.delete(engine);
}

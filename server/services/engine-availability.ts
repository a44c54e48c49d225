import { engineAvailability } from "~/server/engines/registry";
import type { EngineName } from "~/server/engines/types";
import { ServiceError } from "~/server/core/errors";

/** Refuses a request this install cannot provision (no terraform binary), naming the cause. */
export function assertEngineAvailable(engine: EngineName): void {
  const availability = engineAvailability(engine);
  if (!availability.available) throw new ServiceError("invalid", `This template cannot be requested here: ${availability.reason}`, "templateName");
}

import type { EnvironmentResource } from "~/db/schema";
import type { ActualResource } from "~/server/engines/engine";
import { openSecret, sealSecret } from "~/server/core/secret-box";

/** A tracked resource as the engine would report it, its sealed secrets opened. */
export function toActual(row: EnvironmentResource): ActualResource {
  const sensitive = row.sensitiveCiphertext
    ? (JSON.parse(openSecret(row.sensitiveCiphertext, "resource-sensitive", row.id)) as Record<string, string>)
    : {};
  return {
    address: row.address,
    type: row.type,
    providerId: row.providerId ?? "",
    properties: row.properties,
    attributes: row.attributes,
    sensitive,
    tags: row.tags,
    idempotencyKey: row.idempotencyKey,
    status: "ready",
  };
}

/** A resource's secret attributes sealed for its row (bound to the row id), or null when it has none. */
export function sealSensitive(rowId: string, sensitive: Record<string, string>): string | null {
  return Object.keys(sensitive).length ? sealSecret(JSON.stringify(sensitive), "resource-sensitive", rowId) : null;
}

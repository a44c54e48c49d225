/**
 * Names of roles and databases are global on a PostgreSQL server, while templates name them per
 * environment ("orders_dev", "orders_dev_owner"). The engine makes them unique per environment
 * with a short, stable suffix derived from the environment id:
 *
 *   physicalName("orders_dev", env) = "orders_dev_3f9c2a"   (suffix: first 6 hex of sha256(env id))
 *
 * At most 63 characters (PostgreSQL's NAMEDATALEN - 1): a long name is cut before the suffix.
 * Only [a-z0-9_]. `physicalName` is idempotent: a name that already ends with this environment's
 * suffix (a resolved reference to another resource's `name` attribute, such as a database's
 * `owner: ${resources.app_role.name}`) is kept as it is.
 */
import { createHash } from "node:crypto";

export const MAX_IDENTIFIER_LENGTH = 63;
/** What the engine accepts as a physical role or database name. */
export const physicalNamePattern = /^[a-z][a-z0-9_]{0,62}$/;

export function environmentSuffix(environmentId: string): string {
  return createHash("sha256").update(environmentId, "utf8").digest("hex").slice(0, 6);
}

export function physicalName(name: string, environmentId: string): string {
  const suffix = `_${environmentSuffix(environmentId)}`;
  if (name.endsWith(suffix) && name.length <= MAX_IDENTIFIER_LENGTH) return name;
  return `${name.slice(0, MAX_IDENTIFIER_LENGTH - suffix.length)}${suffix}`;
}

/** True when `name` carries this environment's suffix (the engine only ever creates such names). */
export function hasEnvironmentSuffix(name: string, environmentId: string): boolean {
  return name.endsWith(`_${environmentSuffix(environmentId)}`);
}

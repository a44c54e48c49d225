import type { EngineRegistration } from "../registration";
import type { PriceList } from "../types";
import { postgresEngine, type PostgresEngine } from "./engine";
import { postgresPriceList, postgresResourceTypes } from "./resource-types";

/** Databases and roles on a PostgreSQL server: resource by resource; `read()` queries the catalogs of the server. */
export const postgresRegistration: EngineRegistration<"postgres", PostgresEngine> = {
  name: "postgres",
  title: "PostgreSQL",
  providerName: "PostgreSQL",
  resourceTypes: postgresResourceTypes,
  priceList: postgresPriceList as PriceList,
  capabilities: { apply: "per-resource", planPreview: false, driftRead: true },
  engine: postgresEngine,
};

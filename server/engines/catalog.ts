/** Every engine's resource types and price list, by engine name. */
import { postgresPriceList, postgresResourceTypes } from "./postgres/resource-types";
import { simPriceList, simResourceTypes } from "./sim/resource-types";
import { terraformPriceList, terraformResourceTypes } from "./terraform/resource-types";
import type { EngineCatalog, EngineName, PriceList } from "./types";

export const engineCatalogs: Record<EngineName, EngineCatalog> = {
  sim: { engine: "sim", title: "IaaS simulator", resourceTypes: simResourceTypes, priceList: simPriceList as PriceList },
  postgres: { engine: "postgres", title: "PostgreSQL", resourceTypes: postgresResourceTypes, priceList: postgresPriceList as PriceList },
  terraform: { engine: "terraform", title: "Terraform", resourceTypes: terraformResourceTypes, priceList: terraformPriceList as PriceList },
};

import type { EngineRegistration } from "../registration";
import type { PriceList } from "../types";
import { simEngine, type SimEngine } from "./engine";
import { simPriceList, simResourceTypes } from "./resource-types";

/** The IaaS simulator: resource by resource through its API; `read()` lists what the cloud really has. */
export const simRegistration: EngineRegistration<"sim", SimEngine> = {
  name: "sim",
  title: "IaaS simulator",
  providerName: "Provisio sim",
  resourceTypes: simResourceTypes,
  priceList: simPriceList as PriceList,
  capabilities: { apply: "per-resource", planPreview: false, driftRead: true },
  engine: () => simEngine,
};

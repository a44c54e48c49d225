import { envVar } from "~/server/env";
import type { EngineRegistration } from "../registration";
import type { PriceList } from "../types";
import { terraformEngine, type TerraformEngine } from "./engine";
import { moduleIssues } from "./module-check";
import { terraformPriceList, terraformResourceTypes } from "./resource-types";
import { locateBinary } from "./settings";

/**
 * The Terraform/OpenTofu CLI: one configuration and one state per environment, applied as a
 * whole; `plan` previews a request before it runs. `read()` reads the stored state, not the
 * cloud; drift is read by `checkDrift` (a refreshing plan, changing nothing). Needs a CLI on this server.
 */
export const terraformRegistration: EngineRegistration<"terraform", TerraformEngine> = {
  name: "terraform",
  title: "Terraform",
  providerName: "Terraform",
  resourceTypes: terraformResourceTypes,
  priceList: terraformPriceList as PriceList,
  capabilities: { apply: "whole-environment", planPreview: true, driftRead: true },
  engine: terraformEngine,
  probeAvailability: () => {
    const location = locateBinary(envVar("PROVISIO_TERRAFORM_BIN"));
    return location.ok ? { available: true } : { available: false, reason: `Terraform templates cannot run on this server: ${location.reason}.` };
  },
  templateIssues: moduleIssues,
};

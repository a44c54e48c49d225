export {
  DEFAULT_SIM_ACCOUNT,
  SimCloud,
  stableJson,
  type CallOptions,
  type CreateInput,
  type ListFilter,
  type QuotaUsage,
  type SimCloudOptions,
  type SimResource,
  type SimState,
} from "./cloud";
export { defaultSimConfig, quietSimConfig, simConfigSchema, type SimConfig, type SimConfigInput } from "./config";
export { isSimCloudError, SimCloudError, type SimErrorCode } from "./errors";
export { kinds, typeOfProviderId } from "./kinds";

/** Sizes of the sim's instance types (as published by the cloud they mirror), for quotas. */
export type InstanceSpec = { vcpus: number; memoryGib: number; gpus: number };

export const instanceSpecs: Record<string, InstanceSpec> = {
  "t3.micro": { vcpus: 2, memoryGib: 1, gpus: 0 },
  "t3.small": { vcpus: 2, memoryGib: 2, gpus: 0 },
  "t3.medium": { vcpus: 2, memoryGib: 4, gpus: 0 },
  "t3.large": { vcpus: 2, memoryGib: 8, gpus: 0 },
  "t3.xlarge": { vcpus: 4, memoryGib: 16, gpus: 0 },
  "m5.large": { vcpus: 2, memoryGib: 8, gpus: 0 },
  "m5.xlarge": { vcpus: 4, memoryGib: 16, gpus: 0 },
  "m5.2xlarge": { vcpus: 8, memoryGib: 32, gpus: 0 },
  "m5.4xlarge": { vcpus: 16, memoryGib: 64, gpus: 0 },
  "c5.large": { vcpus: 2, memoryGib: 4, gpus: 0 },
  "c5.xlarge": { vcpus: 4, memoryGib: 8, gpus: 0 },
  "c5.2xlarge": { vcpus: 8, memoryGib: 16, gpus: 0 },
  "c5.4xlarge": { vcpus: 16, memoryGib: 32, gpus: 0 },
  "r5.large": { vcpus: 2, memoryGib: 16, gpus: 0 },
  "r5.xlarge": { vcpus: 4, memoryGib: 32, gpus: 0 },
  "r5.2xlarge": { vcpus: 8, memoryGib: 64, gpus: 0 },
  "g4dn.xlarge": { vcpus: 4, memoryGib: 16, gpus: 1 },
  "g4dn.2xlarge": { vcpus: 8, memoryGib: 32, gpus: 1 },
  "g5.xlarge": { vcpus: 4, memoryGib: 16, gpus: 1 },
  "g5.2xlarge": { vcpus: 8, memoryGib: 32, gpus: 1 },
  "p3.2xlarge": { vcpus: 8, memoryGib: 61, gpus: 1 },
};

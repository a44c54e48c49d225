import type { z } from "zod";

/** The engines a template may name. */
export const engineNames = ["sim", "postgres", "terraform"] as const;
export type EngineName = (typeof engineNames)[number];

/** One billable quantity of a resource: `quantity` units of the price list's `sku`. */
export type CostLine = { sku: string; quantity: number; modifier?: string };

/**
 * A resource type an engine knows how to create. Templates are data; this is the code side:
 * which properties a resource of this type takes (validated with `properties`), which
 * attributes other resources and outputs may reference, and what it costs.
 */
export type ResourceTypeDefinition = {
  type: string;
  title: string;
  /** Properties after references are resolved; a reference stands in for any value. */
  properties: z.ZodType<Record<string, unknown>>;
  /** Attributes known after apply (`${resources.<id>.<attribute>}`); `*` allows any name. */
  attributes: readonly string[];
  /** Attributes that are secrets: stored encrypted, shown masked. */
  sensitiveAttributes?: readonly string[];
  /** The property shown as the resource's size in plans ("m5.large", "100 GB"). */
  describeSize?: (properties: Record<string, unknown>) => string | null;
  cost: (properties: Record<string, unknown>) => CostLine[];
  /** Capacity counted against team quotas (vCPUs, instances, GPUs); none when absent. */
  usage?: (properties: Record<string, unknown>) => ResourceUsage;
  /**
   * Properties the provider cannot change on a live resource (a subnet's CIDR, an instance's
   * image): a change to one replaces the resource (create-before-destroy), never a silent update.
   */
  immutable?: readonly string[];
  /** Holds data (database, volume, bucket): replacing or deleting it loses that data, so a change must be confirmed. */
  stateful?: boolean;
};

export type ResourceUsage = { vcpus: number; instances: number; gpus: number };

/**
 * What an engine can do, so that the runner, the services and the UI ask the engine's
 * registration (server/engines/registry.ts) instead of comparing engine names.
 */
export type EngineCapabilities = {
  /**
   * `per-resource`: the runner plans and applies resource by resource (`apply`/`destroy`);
   * `whole-environment`: one configuration and one state, applied at once (`applyAll`/`destroyAll`).
   */
  apply: "per-resource" | "whole-environment";
  /** A real plan of a request can be shown before it runs (terraform's `plan`), beyond the template's own plan and cost. */
  planPreview: boolean;
  /** `read()` reports what really exists in the target system (not a copy of our state), so drift can be detected from it. */
  driftRead: boolean;
};

/** Whether this install can run an engine's templates now, and if not, why (shown in the catalog, refused on submit). */
export type EngineAvailability = { available: true } | { available: false; reason: string };

/** A price list as stored in `server/engines/<engine>/price-list.json`. */
export type PriceList = {
  engine: EngineName;
  currency: "USD";
  hoursPerMonth: number;
  /** Where the figures come from, so anyone can check or refresh them. */
  source: { name: string; url: string; retrieved: string; notes?: string };
  /** Regions and their price multiplier against the base figures (decimal string, e.g. "1.10"). */
  regions: Record<string, { title: string; multiplier: string }>;
  /** Price modifiers a resource may ask for, e.g. spot capacity at a share of on-demand. */
  modifiers?: Record<string, { title: string; multiplier: string }>;
  /** Decimal strings, never floats: `hourly` per unit-hour, or `monthly` per unit-month. */
  skus: Record<string, { title: string; unit: string; hourly?: string; monthly?: string }>;
};

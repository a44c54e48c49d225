/**
 * What one engine tells the rest of Provisio about itself: its catalog (resource types, price
 * list), what it can do (capabilities), how this process gets it, and whether this install can
 * run it. Each engine folder exports one (`<engine>/registration.ts`); server/engines/registry.ts
 * lists them.
 */
import type { TemplateSpec } from "~/server/templates/format";
import type { Engine } from "./engine";
import type { EngineAvailability, EngineCapabilities, EngineName, PriceList, ResourceTypeDefinition } from "./types";

export type EngineRegistration<N extends EngineName = EngineName, E extends Engine = Engine> = {
  readonly name: N;
  /** Shown in the catalog and on environment pages. */
  readonly title: string;
  /** FOCUS ProviderName and PublisherName in the cost export. */
  readonly providerName: string;
  readonly resourceTypes: Readonly<Record<string, ResourceTypeDefinition>>;
  readonly priceList: PriceList;
  readonly capabilities: EngineCapabilities;
  /** The process's engine: one per process, created on first use, configured from server/env.ts. */
  readonly engine: () => E;
  /**
   * Looks whether this install can run it, cheaply (no process started): the registry caches
   * the answer for a while. Absent: always available.
   */
  readonly probeAvailability?: () => EngineAvailability;
  /** Template checks only this engine needs (terraform: the module's contract), each naming its field. */
  readonly templateIssues?: (
    spec: TemplateSpec,
    moduleSources: Readonly<Record<string, string>> | undefined,
  ) => { path: (string | number)[]; message: string }[];
};

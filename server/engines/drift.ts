/**
 * What drift is, as every engine reports it (issue 13): the contract between the drift check
 * (server/runner/kinds/drift.ts and the drift services) and the engines. Per-resource engines
 * (sim, postgres) only `read()`; the portal compares what they report with the desired
 * resources. Whole-environment engines (terraform) implement `Engine.checkDrift` and report the
 * same shape themselves (e.g. from `terraform plan -refresh-only -detailed-exitcode -json`).
 * A check never changes anything.
 */

/** One differing property or tag: what the portal wants and what really exists. */
export type ValueDrift = {
  /** A property name or dotted path (`size`, `settings.max_connections`), or the tag key for tags. */
  path: string;
  desired: unknown;
  actual: unknown;
};

export type ResourceDrift =
  /** Exists, but properties and/or tags differ (a removed or changed mandatory tag is drift). */
  | { kind: "changed"; address: string; type: string; providerId: string; properties: ValueDrift[]; tags: ValueDrift[] }
  /** Desired and recorded as made, but gone (deleted outside the portal). */
  | { kind: "missing"; address: string; type: string; providerId: string | null }
  /** Carries this environment's tags but the portal never asked for it. */
  | { kind: "extra"; address: string; type: string; providerId: string };

/** A finished check: an empty `resources` means in sync. */
export type DriftReport = { resources: ResourceDrift[] };

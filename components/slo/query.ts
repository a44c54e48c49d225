/** The SLO pages' shared URL state: range preset, team, and the debug filters; and links to the runs behind a number. */
export const rangePresets = { "1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000, "28d": 28 * 86_400_000 } as const;
export type RangePreset = keyof typeof rangePresets;
export const rangeLabels: Record<RangePreset, string> = { "1h": "Last hour", "24h": "Last 24 hours", "7d": "Last 7 days", "28d": "Last 28 days" };

export type SloQuery = { range: RangePreset; team: string; template: string; engine: string; tier: string };

export function parseSloQuery(params: URLSearchParams, defaults: { range: RangePreset; team: string }): SloQuery {
  const range = params.get("range");
  return {
    range: range && range in rangePresets ? (range as RangePreset) : defaults.range,
    team: params.get("team") ?? defaults.team,
    template: params.get("template") ?? "",
    engine: params.get("engine") ?? "",
    tier: ["dev", "staging", "prod"].includes(params.get("tier") ?? "") ? params.get("tier")! : "",
  };
}

export function sloQueryString(q: Partial<SloQuery> & Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v) params.set(k, v);
  const s = params.toString();
  return s ? `?${s}` : "";
}

/** The runs behind a figure: the runs page with the same team, range and filters. */
export const runsHref = (q: Partial<SloQuery>, filter: { status?: string; cause?: string; order?: string } = {}) =>
  `/slo/runs${sloQueryString({ ...q, ...filter })}`;

export const runHref = (runId: string) => `/slo/runs/${runId}`;

export const percentText = (ratio: number | null, digits = 2) => (ratio === null ? "–" : `${(ratio * 100).toFixed(digits)} %`);
export function secondsText(seconds: number | null): string {
  if (seconds === null) return "–";
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  if (seconds < 3600) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
export const causeLabels: Record<string, string> = {
  rate_limit: "Rate limit",
  quota: "Quota",
  capacity: "Capacity",
  auth: "Auth / credentials",
  outage: "Outage",
  template: "Template / validation",
  timeout: "Timeout",
  unknown: "Unknown",
};

/**
 * A month of cost as CSV in the FinOps FOCUS 1.x columns: one row per cost record per UTC day
 * (ChargePeriodStart/End are that day), amounts as plain decimals computed from integer
 * micro-dollars (never floats), so the rows sum to the cost page's figures. Read day by day in
 * keyset batches, so a large month streams instead of sitting in memory.
 */
import { sql } from "drizzle-orm";
import type { Executor } from "~/db/client";
import { findEngine } from "~/server/engines/registry";
import { csvLine } from "./audit-export";
import { costPeriod, recordDaysSql, type TeamFilter } from "./costs";

/** FOCUS 1.x column names; the `x_` ones are Provisio's own (FOCUS's prefix for custom columns). */
export const focusColumns = [
  "BilledCost",
  "EffectiveCost",
  "ListCost",
  "ContractedCost",
  "BillingCurrency",
  "BillingAccountId",
  "BillingAccountName",
  "BillingPeriodStart",
  "BillingPeriodEnd",
  "ChargePeriodStart",
  "ChargePeriodEnd",
  "ChargeCategory",
  "ChargeClass",
  "ChargeDescription",
  "ChargeFrequency",
  "ConsumedQuantity",
  "ConsumedUnit",
  "PricingCategory",
  "PricingQuantity",
  "PricingUnit",
  "ListUnitPrice",
  "ContractedUnitPrice",
  "ResourceId",
  "ResourceName",
  "ResourceType",
  "RegionId",
  "RegionName",
  "ServiceName",
  "ServiceCategory",
  "ProviderName",
  "PublisherName",
  "InvoiceIssuerName",
  "SubAccountId",
  "SubAccountName",
  "SkuId",
  "Tags",
  "x_EnvironmentId",
  "x_EnvironmentName",
  "x_TemplateName",
  "x_TemplateVersion",
  "x_Tier",
] as const;

export type FocusColumn = (typeof focusColumns)[number];

/** FOCUS ServiceName and ServiceCategory (one of FOCUS's allowed values) per resource type. */
const services: Record<string, [string, string]> = {
  instance: ["Virtual Machines", "Compute"],
  instance_group: ["Virtual Machines", "Compute"],
  k8s_node_pool: ["Kubernetes", "Compute"],
  network: ["Virtual Network", "Networking"],
  subnet: ["Virtual Network", "Networking"],
  security_group: ["Virtual Network", "Networking"],
  nat_gateway: ["Virtual Network", "Networking"],
  load_balancer: ["Load Balancing", "Networking"],
  cdn: ["Content Delivery", "Networking"],
  dns_zone: ["DNS", "Networking"],
  dns_record: ["DNS", "Networking"],
  volume: ["Block Storage", "Storage"],
  volume_snapshot: ["Block Storage", "Storage"],
  bucket: ["Object Storage", "Storage"],
  managed_database: ["Managed Databases", "Databases"],
  database: ["PostgreSQL", "Databases"],
  role: ["PostgreSQL", "Databases"],
};

/** Integer micro-dollars (or millionths) as a plain decimal: 3400000 → "3.4", 41600 → "0.0416", 0 → "0". */
export function formatMicros(micros: number | bigint | string): string {
  const value = BigInt(micros);
  const sign = value < 0n ? "-" : "";
  const abs = value < 0n ? -value : value;
  const whole = abs / 1_000_000n;
  const fraction = (abs % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "");
  return `${sign}${whole}${fraction ? `.${fraction}` : ""}`;
}

/** A numeric from PostgreSQL ("24.000000", "0.500000") without its trailing zeros. */
export function trimDecimal(text: string): string {
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}

/** FOCUS date-times: ISO 8601 in UTC, to the second ("2026-11-01T00:00:00Z"). */
const focusDate = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;

/** JSON with keys in order, so the same tags always print the same. */
function sortedJson(tags: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

function skuOf(engine: string, type: string, properties: Record<string, unknown>): string {
  const definition = findEngine(engine)?.resourceTypes[type];
  try {
    const lines = definition?.cost(properties) ?? [];
    if (lines[0]) return lines[0].sku;
  } catch {
    // A type whose pricing needs more than its stored properties: fall back to the type.
  }
  return `${engine}.${type}`;
}

type RecordDayRow = {
  id: string;
  resource_id: string;
  environment_id: string;
  team_id: string;
  template_name: string;
  template_version: string;
  tier: string;
  engine: string;
  address: string;
  resource_type: string;
  provider_id: string | null;
  region: string | null;
  hourly_micros: string;
  tags: Record<string, string>;
  charge_day: Date;
  micros: string;
  hours: string;
  cursor: string;
  environment_name: string;
  team_name: string;
  properties: Record<string, unknown>;
};

function focusRecord(row: RecordDayRow, billing: { start: Date; end: Date }): unknown[] {
  const day = new Date(row.charge_day);
  const cost = formatMicros(row.micros);
  const rate = formatMicros(row.hourly_micros);
  const hours = trimDecimal(row.hours);
  const catalog = findEngine(row.engine);
  const typeTitle = catalog?.resourceTypes[row.resource_type]?.title ?? row.resource_type;
  const [serviceName, serviceCategory] = services[row.resource_type] ?? [typeTitle, "Other"];
  const provider = catalog?.providerName ?? row.engine;
  const regionName = row.region ? (catalog?.priceList.regions[row.region]?.title ?? row.region) : null;
  const values: Record<FocusColumn, unknown> = {
    BilledCost: cost,
    EffectiveCost: cost,
    ListCost: cost,
    ContractedCost: cost,
    BillingCurrency: "USD",
    BillingAccountId: "provisio",
    BillingAccountName: "Provisio",
    BillingPeriodStart: focusDate(billing.start),
    BillingPeriodEnd: focusDate(billing.end),
    ChargePeriodStart: focusDate(day),
    ChargePeriodEnd: focusDate(new Date(day.getTime() + 86_400_000)),
    ChargeCategory: "Usage",
    ChargeClass: null,
    ChargeDescription: `${typeTitle} ${row.address} of environment ${row.environment_name}: ${hours} h at $${rate}/h`,
    ChargeFrequency: "Usage-Based",
    ConsumedQuantity: hours,
    ConsumedUnit: "Hours",
    PricingCategory: "Standard",
    PricingQuantity: hours,
    PricingUnit: "Hours",
    ListUnitPrice: rate,
    ContractedUnitPrice: rate,
    ResourceId: row.provider_id ?? row.resource_id,
    ResourceName: row.address,
    ResourceType: typeTitle,
    RegionId: row.region,
    RegionName: regionName,
    ServiceName: serviceName,
    ServiceCategory: serviceCategory,
    ProviderName: provider,
    PublisherName: provider,
    InvoiceIssuerName: "Provisio",
    SubAccountId: row.team_id,
    SubAccountName: row.team_name,
    SkuId: skuOf(row.engine, row.resource_type, row.properties),
    Tags: sortedJson(row.tags),
    x_EnvironmentId: row.environment_id,
    x_EnvironmentName: row.environment_name,
    x_TemplateName: row.template_name,
    x_TemplateVersion: row.template_version,
    x_Tier: row.tier,
  };
  return focusColumns.map((c) => values[c]);
}

/**
 * The CSV text in chunks: the header, then one chunk per batch of rows, day after day, each
 * day's rows in the order their resources started. Throws (ServiceError, field `month`) for a
 * month that has not started.
 */
export async function* focusCsvChunks(
  db: Executor,
  input: { teamId: TeamFilter; month?: string; now?: Date; batchSize?: number },
): AsyncGenerator<string> {
  const period = costPeriod(input.month, input.now ?? new Date());
  const batchSize = input.batchSize ?? 1000;
  yield csvLine(focusColumns);
  for (let day = period.start.getTime(); day < period.until.getTime(); day += 86_400_000) {
    const from = new Date(day);
    const until = new Date(Math.min(day + 86_400_000, period.until.getTime()));
    let after: string | null = null;
    for (;;) {
      const result: { rows: RecordDayRow[] } = await db.execute<RecordDayRow>(sql`
        select x.id, x.resource_id, x.environment_id, x.team_id, x.template_name, x.template_version, x.tier, x.engine, x.address,
               x.resource_type, x.provider_id, x.region, x.hourly_micros::text, x.tags, x.charge_day, x.micros::text,
               round(x.seconds / 3600, 6)::text as hours, (x.started_at::text || '|' || x.id::text) as cursor,
               e.name as environment_name, tm.name as team_name, r.properties
          from ${recordDaysSql(input.teamId, from, until)} x
          join environments e on e.id = x.environment_id
          join teams tm on tm.id = x.team_id
          join environment_resources r on r.id = x.resource_id
         where ${after === null ? sql`true` : sql`(x.started_at, x.id) > (split_part(${after}, '|', 1)::timestamptz, split_part(${after}, '|', 2)::uuid)`}
         order by x.started_at, x.id
         limit ${batchSize}`);
      if (result.rows.length > 0) yield result.rows.map((row) => csvLine(focusRecord(row, period))).join("");
      if (result.rows.length < batchSize) break;
      after = result.rows.at(-1)!.cursor;
    }
  }
}

/** `provisio-costs-<team slug or all>-2026-11.csv`. */
export function focusExportFilename(scope: string, month: string): string {
  return `provisio-costs-${scope}-${month}.csv`;
}

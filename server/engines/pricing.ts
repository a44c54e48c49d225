/**
 * Price arithmetic in integer micro-dollars (1e-6 USD): decimal strings from the price list
 * are parsed exactly, multiplied by integer quantities, and rounded once, to cents, at the end.
 */
import type { CostLine, PriceList } from "./types";

const MICROS = 1_000_000;

/** "0.0416" → 41600 micro-dollars. Throws on anything but a plain non-negative decimal. */
export function parseDecimalMicros(value: string): number {
  const match = /^(\d+)(?:\.(\d{1,6}))?$/.exec(value);
  if (!match) throw new Error(`not a decimal with at most 6 places: "${value}"`);
  return Number(match[1]) * MICROS + Number((match[2] ?? "").padEnd(6, "0"));
}

/** "1.10" → 110000 parts per 100000 (multipliers keep 5 decimal places). */
function parseMultiplier(value: string): bigint {
  return BigInt(Math.round(parseDecimalMicros(value) / 10));
}

const ONE = 100_000n;

export type PricedLine = CostLine & { title: string; unit: string; hourlyMicros: number };

/**
 * Hourly micro-dollars of `quantity` units of a sku: base price × quantity × region and
 * modifier multipliers, in BigInt, divided (for monthly prices) and rounded once at the end,
 * so 100 GB at $0.08/GB-month is exactly $8.00 a month, not $8.03.
 */
function lineHourlyMicros(priceList: PriceList, line: CostLine, region: string | null): number {
  const entry = priceList.skus[line.sku];
  if (!entry) throw new Error(`sku "${line.sku}" is not in the ${priceList.engine} price list`);
  const modifier = line.modifier ? priceList.modifiers?.[line.modifier] : undefined;
  if (line.modifier && !modifier) throw new Error(`price modifier "${line.modifier}" is not in the ${priceList.engine} price list`);
  const monthly = entry.hourly === undefined;
  const base = BigInt(parseDecimalMicros(entry.hourly ?? entry.monthly ?? "0"));
  const regionEntry = region ? priceList.regions[region] : undefined;
  const regionFactor = regionEntry ? parseMultiplier(regionEntry.multiplier) : ONE;
  const modifierFactor = modifier ? parseMultiplier(modifier.multiplier) : ONE;
  const numerator = base * BigInt(line.quantity) * regionFactor * modifierFactor;
  const denominator = ONE * ONE * (monthly ? BigInt(priceList.hoursPerMonth) : 1n);
  return Number((numerator * 2n + denominator) / (denominator * 2n));
}

export function priceLines(priceList: PriceList, lines: CostLine[], region: string | null): PricedLine[] {
  return lines.map((line) => {
    const entry = priceList.skus[line.sku];
    const modifier = line.modifier ? priceList.modifiers?.[line.modifier] : undefined;
    const hourlyMicros = lineHourlyMicros(priceList, line, region);
    return {
      ...line,
      title: modifier ? `${entry?.title ?? line.sku}, ${modifier.title.toLowerCase()}` : (entry?.title ?? line.sku),
      unit: entry?.unit ?? "unit",
      hourlyMicros,
    };
  });
}

/** Micro-dollars per hour → cents per month (730 hours unless the list says otherwise). */
export function monthlyCents(hourlyMicros: number, hoursPerMonth = 730): number {
  return Math.round((hourlyMicros * hoursPerMonth) / 10_000);
}

/** Micro-dollars per hour → cents over a number of hours (e.g. a TTL). */
export function centsOverHours(hourlyMicros: number, hours: number): number {
  return Math.round((hourlyMicros * hours) / 10_000);
}

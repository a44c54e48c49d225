/** How cost figures read on the cost page: exact dollars and cents, short axis labels, days. */

function withThousands(whole: bigint | number): string {
  return String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Integer cents as dollars and cents: 194712 → "$1,947.12", 5 → "$0.05". */
export function usd(cents: number): string {
  if (cents < 0) return `−${usd(-cents)}`;
  return `$${withThousands(Math.floor(cents / 100))}.${String(cents % 100).padStart(2, "0")}`;
}

/** Axis ticks in dollars: "$0", "$8", "$12.5", "$1.2k", "$3M". */
export function usdShort(dollars: number): string {
  const abs = Math.abs(dollars);
  const trim = (n: number) => String(Number(n.toFixed(1)));
  if (abs >= 1_000_000) return `$${trim(dollars / 1_000_000)}M`;
  if (abs >= 1_000) return `$${trim(dollars / 1_000)}k`;
  return `$${trim(dollars)}`;
}

/** 1.9 → "1.9%", 100 → "100%". */
export function percent(value: number): string {
  return `${Number(value.toFixed(1))}%`;
}

/** "2026-11-03" → "3 Nov". */
export function dayLabel(date: string): string {
  return new Date(`${date}T00:00:00Z`).toLocaleDateString("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });
}

/** "3 Nov 2026, 12:00 UTC". */
export function instantLabel(date: Date | string): string {
  const d = new Date(date);
  const day = d.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  return `${day}, ${d.toISOString().slice(11, 16)} UTC`;
}

/** A round axis maximum at or above `value`: 472.5 → 500, 19.6 → 20, 0 → 1. */
export function niceCeil(value: number): number {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].find((s) => s * magnitude >= value - 1e-9) ?? 10;
  return Number((step * magnitude).toPrecision(6));
}

/** How cost figures read on the cost page beyond money and dates (components/format): shares and axis maxima. */

/** 1.9 → "1.9%", 100 → "100%". */
export function percent(value: number): string {
  return `${Number(value.toFixed(1))}%`;
}

/** A round axis maximum at or above `value`: 472.5 → 500, 19.6 → 20, 0 → 1. */
export function niceCeil(value: number): number {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].find((s) => s * magnitude >= value - 1e-9) ?? 10;
  return Number((step * magnitude).toPrecision(6));
}

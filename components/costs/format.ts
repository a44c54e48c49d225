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

/**
 * A money axis from 0 to at least `value` (dollars) in `segments` equal steps of 1, 2 or 5 × a
 * power of ten, never less than one cent: every tick is a whole number of cents, so a month of
 * a few cents reads "$0, $0.01, $0.02…", never "$0" five times.
 */
export function moneyAxis(value: number, segments = 4): { max: number; ticks: number[] } {
  const raw = value > 0 ? value / segments : 0;
  let step = 0.01;
  if (raw > 0.01) {
    const magnitude = 10 ** Math.floor(Math.log10(raw));
    step = ([1, 2, 5, 10].find((s) => s * magnitude >= raw - 1e-12) ?? 10) * magnitude;
  }
  const ticks = Array.from({ length: segments + 1 }, (_, i) => Number((i * step).toPrecision(10)));
  return { max: ticks[segments]!, ticks };
}

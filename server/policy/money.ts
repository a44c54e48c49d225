/**
 * Money and duration as policy messages print them. Hand-rolled rather than Intl so the text is
 * the same on every server, locale and Node version: messages are stored with the decision
 * and asserted in tests.
 */

function withThousands(whole: number): string {
  return String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * Integer cents to dollars: "$1,234" (rounded half up to whole dollars), with cents only under
 * $10, where rounding would hide most of the amount ("$9.99", "$0.40", but "$5" and "$10").
 */
export function formatUsd(cents: number): string {
  if (!Number.isSafeInteger(cents)) throw new TypeError(`not a whole number of cents: ${cents}`);
  if (cents < 0) return `-${formatUsd(-cents)}`;
  if (cents < 1000 && cents % 100 !== 0) return `$${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
  return `$${withThousands(Math.floor((cents + 50) / 100))}`;
}

/** Integer cents to dollars and cents, "$3,500.01": for figures that whole dollars would make look equal. */
export function formatUsdExact(cents: number): string {
  if (!Number.isSafeInteger(cents)) throw new TypeError(`not a whole number of cents: ${cents}`);
  if (cents < 0) return `-${formatUsdExact(-cents)}`;
  return `$${withThousands(Math.floor(cents / 100))}.${String(cents % 100).padStart(2, "0")}`;
}

/**
 * Two amounts that are compared in one sentence ("$X left, needs $Z"): whole dollars, unless
 * rounding would make them read the same while they differ.
 */
export function formatUsdPair(a: number, b: number): [string, string] {
  const [x, y] = [formatUsd(a), formatUsd(b)];
  return x === y && a !== b ? [formatUsdExact(a), formatUsdExact(b)] : [x, y];
}

/** 72 → "3 days", 36 → "36 hours", 1 → "1 hour". */
export function formatHours(hours: number): string {
  if (hours >= 24 && hours % 24 === 0) return plural(hours / 24, "day");
  return plural(hours, "hour");
}

export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

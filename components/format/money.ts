/**
 * Money as the UI shows it, in USD. Amounts stay integers until here: cents for prices and
 * budgets, micro-dollars for hourly rates. One rule for small amounts everywhere: whole dollars,
 * except that cents are shown where rounding would hide most of the amount (under $10).
 * Negative amounts carry a true minus sign ("−$2.50"). Browser-safe, the same on server and client.
 */

import { formatUsd } from "~/server/policy/money";

const withCents = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 2 });
const MINUS = "−";

/**
 * Integer cents: "$1,234", "$66", "$5"; "$0.40" and "$9.99" (cents under $10 when not whole dollars); "−$12".
 * The same rule as the policy's messages (server/policy/money.ts), so a figure reads alike in a reason and on a card.
 */
export function formatCents(cents: number): string {
  if (cents < 0) return `${MINUS}${formatCents(-cents)}`;
  return formatUsd(Math.round(cents));
}

/** Integer cents to the cent, for figures that grow by cents (accrued cost, budgets used): "$1,947.12", "$0.05", "−$2.50". */
export function formatCentsExact(cents: number): string {
  if (cents < 0) return `${MINUS}${formatCentsExact(-cents)}`;
  return withCents.format(Math.round(cents) / 100);
}

/** Micro-dollars per hour: "$5.09/h", "$0.0416/h" (four decimals under $1, where rates live); "free" for nothing. */
export function formatMicrosPerHour(micros: number): string {
  if (micros === 0) return "free";
  const dollars = micros / 1_000_000;
  const digits = dollars >= 1 ? 2 : 4;
  return `${new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: digits, maximumFractionDigits: digits }).format(dollars)}/h`;
}

/** Chart axis ticks in dollars, short: "$0", "$0.05", "$8", "$12.5", "$1.2k", "$3M". Small amounts keep their cents so ticks never all read "$0". */
export function formatDollarsShort(dollars: number): string {
  if (dollars < 0) return `${MINUS}${formatDollarsShort(-dollars)}`;
  const trim = (n: number, digits: number) => String(Number(n.toFixed(digits)));
  if (dollars >= 1_000_000) return `$${trim(dollars / 1_000_000, 1)}M`;
  if (dollars >= 1_000) return `$${trim(dollars / 1_000, 1)}k`;
  return `$${trim(dollars, dollars < 10 ? 2 : 1)}`;
}

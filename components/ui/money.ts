const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 });

/** Integer cents to "$1,234"; money is cents everywhere until it is shown. */
export function formatCents(cents: number): string {
  return usd.format(cents / 100);
}

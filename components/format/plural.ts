/** Counted nouns for the UI, through Intl.PluralRules: "1 day", "3 days", "1,204 events". Browser-safe. */

const rules = new Intl.PluralRules("en-US");
const counts = new Intl.NumberFormat("en-US");

/** The noun alone for `n`: pluralNoun(1, "day") → "day", pluralNoun(2, "is", "are") → "are". */
export function pluralNoun(n: number, one: string, other = `${one}s`): string {
  return rules.select(n) === "one" ? one : other;
}

/** The count and its noun: plural(1, "minute") → "1 minute", plural(1204, "event") → "1,204 events", plural(2, "entry", "entries"). */
export function plural(n: number, one: string, other = `${one}s`): string {
  return `${counts.format(n)} ${pluralNoun(n, one, other)}`;
}

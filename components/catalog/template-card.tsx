import Link from "next/link";
import { Badge } from "~/components/ui/page";
import type { CatalogCard } from "./catalog-query";
import { categoryLabel, formatCostRange, tierTones } from "./format";
import { TemplateIcon } from "./template-icon";

/** One template in the catalog grid; the whole card opens the template page. */
export function TemplateCard({ card }: { card: CatalogCard }) {
  const titleId = `template-${card.name}-title`;
  return (
    <li className="group relative flex flex-col rounded-lg border border-slate-200 bg-white shadow-sm transition-shadow focus-within:ring-2 focus-within:ring-brand-500 hover:border-slate-300 hover:shadow-md">
      <article aria-labelledby={titleId} className="flex flex-1 flex-col">
        <div className="flex flex-1 flex-col p-5">
          <div className="flex items-start gap-3">
            <TemplateIcon icon={card.icon} category={card.category} />
            <div className="min-w-0">
              <h2 id={titleId} className="text-base font-semibold leading-snug text-slate-900">
                {/* The link's box covers the whole card (its ::after); its name stays the title. */}
                <Link
                  href={`/catalog/${card.name}`}
                  className="outline-none after:absolute after:inset-0 after:rounded-lg group-hover:text-brand-700"
                >
                  {card.title}
                </Link>
              </h2>
              <p className="mt-0.5 text-xs text-slate-500">
                {card.owner} · {categoryLabel(card.category)}
              </p>
            </div>
          </div>
          <p className="mt-3 line-clamp-3 text-sm text-slate-600">{card.description}</p>
          {card.unavailableReason && (
            <p className="mt-3 text-xs text-red-700">
              <Badge tone="red">unavailable</Badge> <span>{card.unavailableReason}</span>
            </p>
          )}
          {card.tags.length > 0 && (
            <p className="mt-3 flex flex-wrap gap-x-2 gap-y-1 text-xs text-slate-500">
              <span className="sr-only">Tags:</span>
              {card.tags.map((tag) => (
                <span key={tag}>#{tag}</span>
              ))}
            </p>
          )}
          <div className="mt-auto flex flex-wrap items-center gap-1.5 pt-4">
            <span className="sr-only">Tiers:</span>
            {card.tiers.map((tier) => (
              <Badge key={tier} tone={tierTones[tier]}>
                {tier}
              </Badge>
            ))}
          </div>
        </div>
        <div className="flex flex-wrap items-baseline justify-between gap-x-3 gap-y-1 border-t border-slate-100 px-5 py-3">
          <p className="text-sm font-semibold tabular-nums text-slate-900">
            <span className="sr-only">Monthly cost: </span>
            {formatCostRange(card.minMonthlyCents, card.maxMonthlyCents)}
          </p>
          <p className="text-xs text-slate-500">
            {card.engineTitle} · <span className="font-mono">v{card.version}</span>
          </p>
        </div>
      </article>
    </li>
  );
}

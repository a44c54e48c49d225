/** How the CLI prints answers for people (with --json it prints the API's JSON instead). */
type Money = number;
export const usd = (cents: Money) => `$${(cents / 100).toFixed(2)}`;

export function table(rows: Record<string, unknown>[], columns: string[]): string {
  if (rows.length === 0) return "(none)";
  const cells = rows.map((r) => columns.map((c) => String(r[c] ?? "")));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join("\n");
}

type Preview = {
  plan: {
    engine: string;
    resources: { address: string; type: string; title: string; size: string | null; region: string | null; monthlyCents: number }[];
  };
  cost: { monthlyCents: number; overTtlCents?: number; monthShareCents?: number };
  expiresAt?: string | null;
  decision: {
    outcome: "auto_approved" | "needs_approval" | "denied";
    stages: { role: string; count: number; reason: string }[];
    reasons: { effect: string; message: string }[];
    budget: { mode: string; limitCents: number; spentCents: number; committedCents: number; thisRequestCents: number; remainingAfterCents: number };
    quotas: Record<string, { limit: number | null; used: number; requested: number; remainingAfter: number | null }>;
  };
  team: { name?: string; slug?: string };
};

const outcomeText = { auto_approved: "AUTO-APPROVED", needs_approval: "NEEDS APPROVAL", denied: "DENIED" } as const;

/** The plan, cost, budget, quotas and policy decision: what the request form shows. */
export function formatPreview(p: Preview): string {
  const out: string[] = [];
  out.push(`Plan (${p.plan.engine}, ${p.plan.resources.length} resources):`);
  out.push(
    table(
      p.plan.resources.map((r) => ({ address: r.address, type: r.type, size: r.size ?? "", region: r.region ?? "", monthly: usd(r.monthlyCents) })),
      ["address", "type", "size", "region", "monthly"],
    ).replace(/^/gm, "  "),
  );
  out.push(`Cost: ${usd(p.cost.monthlyCents)}/month${p.cost.overTtlCents !== undefined ? `, ${usd(p.cost.overTtlCents)} over its lifetime` : ""}`);
  const b = p.decision.budget;
  out.push(
    `Budget (${b.mode}) of ${p.team.name ?? p.team.slug ?? "the team"}: ${usd(b.spentCents)} spent + ${usd(b.committedCents)} committed + ${usd(b.thisRequestCents)} this request of ${usd(b.limitCents)} → ${usd(b.remainingAfterCents)} left`,
  );
  out.push("Quotas:");
  for (const [kind, q] of Object.entries(p.decision.quotas))
    out.push(
      `  ${kind}: ${q.used} used + ${q.requested} requested of ${q.limit ?? "unlimited"}${q.remainingAfter !== null ? ` → ${q.remainingAfter} left` : ""}`,
    );
  out.push(`Policy decision: ${outcomeText[p.decision.outcome]}`);
  for (const s of p.decision.stages) out.push(`  needs ${s.count} × ${s.role}: ${s.reason}`);
  for (const r of p.decision.reasons) out.push(`  ${r.effect}: ${r.message}`);
  return out.join("\n");
}

/**
 * Cost roll-ups from cost records (kept by a trigger on environment_resources, see
 * db/migrations/0010): what a team (or every team) spent in a calendar month (UTC), by
 * template, tier, tag, day and environment; the forecast to the month's end; the budget.
 *
 * The unit of account is one record's cost over one UTC day, in integer micro-dollars
 * (rate × hours of that day, rounded once per row). The page's totals, the daily chart, the
 * budget's "spent this month" and the FOCUS export's rows are all sums of those same rows, so
 * they agree to the micro-dollar; cents are rounded once, at the edge.
 */
import { sql, type SQL } from "drizzle-orm";
import type { Executor } from "~/db/client";
import type { Team } from "~/db/schema";
import { defaultGroupTag, monthOf, monthRange } from "~/server/schemas/costs";
import { microsToCents } from "./cost-accrual";
import { ServiceError } from "~/server/core/errors";

const DAY_MS = 86_400_000;

/** A team, or null for every team. */
export type TeamFilter = string | null;

const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;
const teamCondition = (teamId: TeamFilter): SQL => (teamId ? sql`c.team_id = ${teamId}` : sql`true`);

/**
 * One row per cost record per UTC day it ran within [from, until): the record's columns plus
 * `charge_day`, `period_start`, `period_end`, `seconds` and `micros` (that day's cost, an
 * integer). An open record runs up to `until`. `tagKey` adds `tag_value`, the record's value
 * of that tag (null when it has none).
 */
export function recordDaysSql(teamId: TeamFilter, from: Date, until: Date, tagKey?: string): SQL {
  const tagValue = tagKey ? sql`c.tags ->> ${tagKey}` : sql`null::text`;
  const end = sql`least(coalesce(c.ended_at, ${ts(until)}), ${ts(until)})`;
  return sql`(
    select rd.*,
           extract(epoch from (rd.period_end - rd.period_start)) as seconds,
           round(rd.hourly_micros::numeric * extract(epoch from (rd.period_end - rd.period_start)) / 3600) as micros
      from (
        select c.*, ${tagValue} as tag_value, d.day as charge_day,
               greatest(c.started_at, d.day) as period_start,
               least(${end}, d.day + interval '24 hours') as period_end
          from cost_records c
          cross join lateral generate_series(
            date_trunc('day', greatest(c.started_at, ${ts(from)}), 'UTC'),
            ${end} - interval '1 microsecond',
            interval '24 hours') as d(day)
         where ${teamCondition(teamId)} and c.started_at < ${ts(until)} and (c.ended_at is null or c.ended_at > ${ts(from)})
      ) rd
     where rd.period_end > rd.period_start
  )`;
}

/** Micro-dollars the team (or every team) accrued in [from, until): the sum of its record-days. */
export async function accruedMicros(db: Executor, teamId: TeamFilter, from: Date, until: Date): Promise<number> {
  if (until <= from) return 0;
  const result = await db.execute<{ micros: string }>(
    sql`select coalesce(sum(micros), 0)::text as micros from ${recordDaysSql(teamId, from, until)} x`,
  );
  return Number(result.rows[0]?.micros ?? 0);
}

/** The month a summary is about: its bounds and how far it has run at `now`. */
export function costPeriod(month: string | undefined, now: Date) {
  const current = monthOf(now);
  const name = month ?? current;
  if (name > current) throw new ServiceError("invalid", `${name} has not started yet: pick ${current} or an earlier month.`, "month");
  const { start, end } = monthRange(name);
  const until = now < end ? now : end;
  return { month: name, start, end, until, isCurrent: name === current };
}

/** The UTC days of [start, end) as "YYYY-MM-DD". */
function daysOf(start: Date, end: Date): string[] {
  const days: string[] = [];
  for (let t = start.getTime(); t < end.getTime(); t += DAY_MS) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

const dayKey = (d: Date | string) => (d instanceof Date ? d.toISOString() : new Date(d).toISOString()).slice(0, 10);

export type CostGroupRow = { key: string; cents: number; percent: number; environments: number };
export type CostDay = {
  date: string;
  /** That day's cost; null for days still to come. */
  cents: number | null;
  /** Month to date at the end of that day; null for days still to come. */
  cumulativeCents: number | null;
  /** Expected month to date at the end of that day, from the last full day on (current month only). */
  forecastCumulativeCents: number | null;
};
export type TopEnvironment = {
  id: string;
  name: string;
  status: string;
  teamId: string;
  teamName: string;
  templateName: string;
  tier: string;
  expiresAt: Date;
  cents: number;
};

type BudgetTeam = Pick<Team, "id" | "name" | "slug" | "costCenter" | "monthlyBudgetCents" | "budgetMode">;

export type CostSummary = Awaited<ReturnType<typeof costSummary>>;

/** Shares of a total in whole percent (one decimal), for breakdown tables. */
const percentOf = (part: number, total: number) => (total > 0 ? Math.round((part / total) * 1000) / 10 : 0);

/**
 * A month of cost for one team (`team`) or every team (null): spend so far, breakdowns,
 * daily series, forecast, budget and top environments. Access is the caller's business
 * (the API's procedures, the export route): this reads whatever scope it is given.
 */
export async function costSummary(
  db: Executor,
  input: { team: BudgetTeam | null; month?: string; groupTag?: string; now?: Date; topLimit?: number },
) {
  const now = input.now ?? new Date();
  const period = costPeriod(input.month, now);
  const teamId = input.team?.id ?? null;
  const groupTag = input.groupTag ?? defaultGroupTag;
  const rows = await db.execute<{
    dim: "day" | "template" | "tier" | "tag" | "environment" | "team" | "total";
    charge_day: Date | null;
    template_name: string | null;
    tier: string | null;
    tag_value: string | null;
    environment_id: string | null;
    team_id: string | null;
    micros: string;
    environments: number;
  }>(sql`
    select case when grouping(charge_day) = 0 then 'day'
                when grouping(template_name) = 0 then 'template'
                when grouping(tier) = 0 then 'tier'
                when grouping(tag_value) = 0 then 'tag'
                when grouping(environment_id) = 0 then 'environment'
                when grouping(team_id) = 0 then 'team'
                else 'total' end as dim,
           charge_day, template_name, tier, tag_value, environment_id, team_id,
           sum(micros)::text as micros, count(distinct environment_id)::int as environments
      from ${recordDaysSql(teamId, period.start, period.until, groupTag)} x
     group by grouping sets ((charge_day), (template_name), (tier), (tag_value), (environment_id), (team_id), ())`);

  const byDim = (dim: (typeof rows.rows)[number]["dim"]) => rows.rows.filter((r) => r.dim === dim);
  const totalMicros = Number(byDim("total")[0]?.micros ?? 0);
  const group = (
    dim: "template" | "tier" | "tag" | "team",
    keyOf: (r: (typeof rows.rows)[number]) => string | null,
    fallback: string,
  ): CostGroupRow[] =>
    byDim(dim)
      .map((r) => ({ key: keyOf(r) ?? fallback, micros: Number(r.micros), environments: r.environments }))
      .sort((a, b) => b.micros - a.micros || a.key.localeCompare(b.key))
      .map((r) => ({ key: r.key, cents: microsToCents(r.micros), percent: percentOf(r.micros, totalMicros), environments: r.environments }));

  // Forecast: what running resources add from now until the month ends or their environment expires.
  const projection = period.isCurrent
    ? await projectedMicrosByDay(db, teamId, now, period.end)
    : { byDay: new Map<string, number>(), hourlyMicros: 0 };
  const projectedMicros = [...projection.byDay.values()].reduce((a, b) => a + b, 0);

  const spentByDay = new Map(byDim("day").map((r) => [dayKey(r.charge_day!), Number(r.micros)]));
  const today = dayKey(period.until.getTime() === period.end.getTime() ? new Date(period.end.getTime() - 1) : period.until);
  let cumulative = 0;
  let forecastCumulative = 0;
  const days = daysOf(period.start, period.end);
  const daily: CostDay[] = days.map((date, index) => {
    const started = date <= today;
    const spent = spentByDay.get(date) ?? 0;
    if (started) cumulative += spent;
    forecastCumulative += spent + (projection.byDay.get(date) ?? 0);
    const next = days[index + 1];
    // The dashed line starts at the end of the day before today, where the solid one stands, and runs to the month's end.
    const forecastShown = period.isCurrent && (date >= today || next === today);
    return {
      date,
      cents: started ? microsToCents(spent) : null,
      cumulativeCents: started ? microsToCents(cumulative) : null,
      forecastCumulativeCents: forecastShown ? microsToCents(forecastCumulative) : null,
    };
  });

  const environmentRows = byDim("environment")
    .map((r) => ({ id: r.environment_id!, micros: Number(r.micros) }))
    .sort((a, b) => b.micros - a.micros)
    .slice(0, input.topLimit ?? 10);
  const topEnvironments = await environmentDetails(db, environmentRows);
  const teamNames = teamId
    ? new Map<string, string>()
    : await teamNamesOf(
        db,
        byDim("team").map((r) => r.team_id!),
      );
  const tagKeys = await tagKeysOf(db, teamId, period.start, period.until);

  const spentCents = microsToCents(totalMicros);
  const forecastCents = microsToCents(totalMicros + projectedMicros);
  const limitCents = input.team ? input.team.monthlyBudgetCents : await totalBudgetCents(db);
  return {
    team: input.team ? { id: input.team.id, name: input.team.name, slug: input.team.slug, costCenter: input.team.costCenter } : null,
    month: period.month,
    monthStart: period.start,
    monthEnd: period.end,
    asOf: period.until,
    isCurrentMonth: period.isCurrent,
    spentCents,
    forecastCents,
    /** What is running now costs this much per hour (current month). */
    runningHourlyMicros: projection.hourlyMicros,
    budget: {
      limitCents,
      /** null across all teams, whose budgets may be hard or soft. */
      mode: input.team ? input.team.budgetMode : null,
      usedPercent: limitCents > 0 ? percentOf(spentCents, limitCents) : null,
      forecastPercent: limitCents > 0 ? percentOf(forecastCents, limitCents) : null,
    },
    daily,
    byTemplate: group("template", (r) => r.template_name, "(unknown)"),
    byTier: group("tier", (r) => r.tier, "(unknown)"),
    byTag: { key: groupTag, keys: [...new Set([defaultGroupTag, ...tagKeys])].sort(), rows: group("tag", (r) => r.tag_value, "(not tagged)") },
    byTeam: teamId ? [] : group("team", (r) => (r.team_id ? (teamNames.get(r.team_id) ?? r.team_id) : null), "(unknown)"),
    topEnvironments,
  };
}

/**
 * What open cost records will add after `now`: each one's hourly rate until the month ends
 * or its environment expires, whichever is first, per UTC day; and the rate running now.
 * Environments being destroyed are left out: their records close within minutes.
 */
export async function projectedMicrosByDay(db: Executor, teamId: TeamFilter, now: Date, monthEnd: Date) {
  const result = await db.execute<{ charge_day: Date; micros: string }>(sql`
    select d.day as charge_day,
           sum(round(c.hourly_micros::numeric * extract(epoch from (least(d.day + interval '24 hours', x.stop) - greatest(d.day, x.start))) / 3600))::text as micros
      from cost_records c
      join environments e on e.id = c.environment_id
      cross join lateral (select greatest(c.started_at, ${ts(now)}) as start, least(e.expires_at, ${ts(monthEnd)}) as stop) x
      cross join lateral generate_series(date_trunc('day', x.start, 'UTC'), x.stop - interval '1 microsecond', interval '24 hours') as d(day)
     where ${teamCondition(teamId)} and c.ended_at is null and e.status not in ('destroying', 'destroyed') and x.stop > x.start
     group by d.day`);
  const [rate] = (
    await db.execute<{ micros: string }>(sql`
      select coalesce(sum(c.hourly_micros), 0)::text as micros
        from cost_records c join environments e on e.id = c.environment_id
       where ${teamCondition(teamId)} and c.ended_at is null and c.started_at <= ${ts(now)} and e.expires_at > ${ts(now)}
         and e.status not in ('destroying', 'destroyed')`)
  ).rows;
  return { byDay: new Map(result.rows.map((r) => [dayKey(r.charge_day), Number(r.micros)])), hourlyMicros: Number(rate?.micros ?? 0) };
}

async function environmentDetails(db: Executor, rows: { id: string; micros: number }[]): Promise<TopEnvironment[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const details = await db.execute<{
    id: string;
    name: string;
    status: string;
    team_id: string;
    team_name: string;
    template_name: string;
    tier: string;
    expires_at: Date;
  }>(sql`
    select e.id, e.name, e.status, e.team_id, tm.name as team_name, t.name as template_name, e.tier, e.expires_at
      from environments e
      join teams tm on tm.id = e.team_id
      join template_versions v on v.id = e.template_version_id
      join templates t on t.id = v.template_id
     where e.id in (${sql.join(
       ids.map((id) => sql`${id}::uuid`),
       sql`, `,
     )})`);
  const byId = new Map(details.rows.map((d) => [d.id, d]));
  return rows.flatMap((r) => {
    const d = byId.get(r.id);
    return d
      ? [
          {
            id: d.id,
            name: d.name,
            status: d.status,
            teamId: d.team_id,
            teamName: d.team_name,
            templateName: d.template_name,
            tier: d.tier,
            expiresAt: new Date(d.expires_at),
            cents: microsToCents(r.micros),
          },
        ]
      : [];
  });
}

async function teamNamesOf(db: Executor, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const result = await db.execute<{ id: string; name: string }>(
    sql`select id, name from teams where id in (${sql.join(
      ids.map((id) => sql`${id}::uuid`),
      sql`, `,
    )})`,
  );
  return new Map(result.rows.map((r) => [r.id, r.name]));
}

async function totalBudgetCents(db: Executor): Promise<number> {
  const result = await db.execute<{ cents: string }>(sql`select coalesce(sum(monthly_budget_cents), 0)::text as cents from teams`);
  return Number(result.rows[0]?.cents ?? 0);
}

/** Tag keys the records of the period carry, for the "group by tag" picker. */
async function tagKeysOf(db: Executor, teamId: TeamFilter, from: Date, until: Date): Promise<string[]> {
  const result = await db.execute<{ key: string }>(sql`
    select distinct jsonb_object_keys(c.tags) as key from cost_records c
     where ${teamCondition(teamId)} and c.started_at < ${ts(until)} and (c.ended_at is null or c.ended_at > ${ts(from)})
     order by 1`);
  return result.rows.map((r) => r.key);
}

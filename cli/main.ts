/**
 * provisio: the command line of Provisio's REST API (/api/v1). `provisio login` stores the URL
 * and a token (0600); every command then calls the API with it. `--json` prints the API's
 * answer as JSON; errors go to stderr with the field at fault, exit code 1 (2 for usage).
 * PROVISIO_URL / PROVISIO_TOKEN override the stored values (for CI).
 */
import { randomUUID } from "node:crypto";
import { Command, CommanderError, Option } from "commander";
import { ApiError, createClient, type Client } from "./client";
import { configPath, readConfig, writeConfig } from "./config";
import { formatPreview, table } from "./format";

type Globals = { url?: string; token?: string; json?: boolean };
type Team = { id: string; slug: string; name: string; role: string };

const program = new Command()
  .name("provisio")
  .description("Self-service environments from the command line (Provisio REST API).")
  .option("--url <url>", "Provisio URL (default: the one stored by login, or PROVISIO_URL)")
  .option("--token <token>", "API token (default: the one stored by login, or PROVISIO_TOKEN)")
  .option("--json", "print JSON instead of text")
  .showHelpAfterError()
  .exitOverride();

const globals = (cmd: Command) => cmd.optsWithGlobals<Globals>();

function clientFor(cmd: Command): Client {
  const g = globals(cmd);
  const stored = readConfig();
  // An empty variable counts as unset (CI systems often define them empty).
  const url = g.url || process.env.PROVISIO_URL || stored.url;
  const token = g.token || process.env.PROVISIO_TOKEN || stored.token;
  if (!url || !token)
    throw new ApiError(0, "Not logged in: run `provisio login --url <url> --token <token>` (or set PROVISIO_URL and PROVISIO_TOKEN).");
  return createClient(url, token);
}

function print(cmd: Command, data: unknown, text: () => string) {
  console.log(globals(cmd).json ? JSON.stringify(data, null, 2) : text());
}

async function resolveTeam(client: Client, team: string | undefined): Promise<Team> {
  const me = await client.call<{ teams: Team[] }>("GET", "/me");
  if (!team) {
    if (me.teams.length === 1) return me.teams[0]!;
    throw new ApiError(0, `Say which team with --team (${me.teams.map((t) => t.slug).join(", ") || "the token has no team"}).`, "team");
  }
  const found = me.teams.find((t) => t.id === team || t.slug === team);
  if (!found) throw new ApiError(0, `The token acts in no team "${team}" (its teams: ${me.teams.map((t) => t.slug).join(", ") || "none"}).`, "team");
  return found;
}

type EnvRow = { id: string; name: string; status: string; tier: string; teamId?: string; expiresAt: string | null; templateName?: string };

async function resolveEnvironment(client: Client, ref: string): Promise<{ id: string; name: string }> {
  if (/^[0-9a-f-]{36}$/i.test(ref)) return { id: ref, name: ref };
  const list = await client.call<{ environments: EnvRow[] }>("GET", "/environments", { query: { scope: "teams", search: ref, limit: 100 } });
  const live = list.environments.filter((e) => e.name === ref && e.status !== "destroyed");
  if (live.length === 0) throw new ApiError(404, `No live environment named "${ref}".`);
  if (live.length > 1) throw new ApiError(0, `Several environments are named "${ref}": use its id (${live.map((e) => e.id).join(", ")}).`);
  return live[0]!;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** `--param key=value` (repeatable): numbers and booleans as such, the rest as text; `--params '{json}'` for all at once. */
function parameters(opts: { param: string[]; params?: string }): Record<string, unknown> {
  const result: Record<string, unknown> = opts.params ? (JSON.parse(opts.params) as Record<string, unknown>) : {};
  for (const pair of opts.param) {
    const at = pair.indexOf("=");
    if (at < 1) throw new ApiError(0, `--param ${pair}: expected key=value`, "param");
    const raw = pair.slice(at + 1);
    result[pair.slice(0, at)] = raw === "true" ? true : raw === "false" ? false : raw !== "" && !Number.isNaN(Number(raw)) ? Number(raw) : raw;
  }
  return result;
}

const draftOptions = (cmd: Command) =>
  cmd
    .requiredOption("--template <name>", "template name (see provisio catalog)")
    .requiredOption("--name <environment>", "environment name")
    .option("--team <slug|id>", "team (default: your only team)")
    .addOption(new Option("--tier <tier>", "tier").choices(["dev", "staging", "prod"]).default("dev"))
    .option("--ttl <hours>", "lifetime in hours", (v) => Number(v), 24)
    .option("--param <key=value>", "a template parameter (repeatable)", collect, [] as string[])
    .option("--params <json>", "all parameters as a JSON object");

type DraftOpts = { template: string; name: string; team?: string; tier: string; ttl: number; param: string[]; params?: string };

async function draft(client: Client, o: DraftOpts) {
  const team = await resolveTeam(client, o.team);
  return { teamId: team.id, tier: o.tier, environmentName: o.name, ttlHours: o.ttl, parameters: parameters(o) };
}

program
  .command("login")
  .description("check a token and store it with the URL (file readable by you only): provisio --url <url> --token <token> login")
  .addHelpText("after", "\nThe token may also come from PROVISIO_TOKEN or the first line of stdin.")
  .action(async (_o: unknown, cmd: Command) => {
    const g = globals(cmd);
    const url = g.url ?? process.env.PROVISIO_URL;
    if (!url) throw new ApiError(0, "Give the Provisio URL with --url (or PROVISIO_URL).", "url");
    const token = g.token ?? process.env.PROVISIO_TOKEN ?? (await readStdinLine());
    if (!token) throw new ApiError(0, "Give the token with --token, PROVISIO_TOKEN or on stdin.", "token");
    const me = await createClient(url, token).call<{
      user: { email: string };
      token: { name: string; kind: string; scopes: string[] };
      teams: Team[];
    }>("GET", "/me");
    const path = writeConfig({ url, token });
    print(cmd, { ...me, config: path }, () =>
      [
        `Logged in to ${url} as ${me.user.email} with ${me.token.kind} token "${me.token.name}" (${me.token.scopes.join(", ")}).`,
        `Teams: ${me.teams.map((t) => `${t.slug} (${t.role})`).join(", ") || "none"}`,
        `Saved to ${path} (mode 0600).`,
      ].join("\n"),
    );
  });

program
  .command("catalog [template]")
  .description("list the catalog, or show one template")
  .action(async (name: string | undefined, _o: unknown, cmd: Command) => {
    const client = clientFor(cmd);
    if (name) {
      const t = await client.call<{
        template: { name: string };
        latest: {
          title: string;
          version: string;
          description?: string;
          document?: { spec?: { parameters?: { name: string; type: string; default?: unknown }[] } };
        } | null;
      }>("GET", `/catalog/${encodeURIComponent(name)}`);
      return print(cmd, t, () =>
        [
          `${t.template.name} ${t.latest?.version ?? ""}: ${t.latest?.title ?? "(no published version)"}`,
          ...(t.latest?.document?.spec?.parameters ?? []).map(
            (p) => `  --param ${p.name}=<${p.type}>${p.default !== undefined ? ` (default ${JSON.stringify(p.default)})` : ""}`,
          ),
        ].join("\n"),
      );
    }
    const list = await client.call<{ name: string; title: string; version: string; engine?: string }[]>("GET", "/catalog");
    print(cmd, list, () => table(list, ["name", "version", "title"]));
  });

draftOptions(program.command("plan").description("the plan, cost, budget, quotas and policy decision of a request (changes nothing)")).action(
  async (o: DraftOpts, cmd: Command) => {
    const client = clientFor(cmd);
    const preview = await client.call<Parameters<typeof formatPreview>[0]>("POST", `/catalog/${encodeURIComponent(o.template)}/preview`, {
      body: await draft(client, o),
    });
    print(cmd, preview, () => formatPreview(preview));
  },
);

type RequestView = {
  request: { id: string; label: string; status: string; version: number };
  environment: { id: string; status: string; failureSummary?: string | null } | null;
  runs: { id: string; kind: string; status: string }[];
};

draftOptions(program.command("request").description("request an environment"))
  .requiredOption("--justification <text>", "why you need it (at least 10 characters)")
  .option("--source-repo <owner/name>", "ephemeral environment of a pull request: the repository")
  .option("--pr <number>", "…the pull request number", (v) => Number(v))
  .option("--commit <sha>", "…the commit")
  .option("--source-url <url>", "…the pull request's URL (linked from the environment page)")
  .option("--idempotency-key <key>", "make a retried call safe (default: a new one per call)")
  .option("--wait", "wait for approval and provisioning, following the run log live; exit non-zero on failure")
  .action(
    async (
      o: DraftOpts & {
        justification: string;
        sourceRepo?: string;
        pr?: number;
        commit?: string;
        sourceUrl?: string;
        idempotencyKey?: string;
        wait?: boolean;
      },
      cmd: Command,
    ) => {
      const client = clientFor(cmd);
      const source = o.sourceRepo
        ? { repository: o.sourceRepo, pullRequest: o.pr, commit: o.commit, ...(o.sourceUrl ? { url: o.sourceUrl } : {}) }
        : undefined;
      const body = { ...(await draft(client, o)), templateName: o.template, justification: o.justification, ...(source ? { source } : {}) };
      const created = await client.call<{
        id: string;
        number: string;
        status: string;
        reused?: boolean;
        environmentId?: string | null;
        update?: { queued: true; number: string; status: string } | { queued: false; reason: string } | null;
      }>("POST", "/requests", {
        body,
        headers: { "idempotency-key": o.idempotencyKey ?? randomUUID() },
      });
      const json = globals(cmd).json;
      if (!json)
        console.log(
          created.reused
            ? `${created.number} re-used for ${o.sourceRepo}#${o.pr} (commit recorded); status ${created.status}.${
                created.update?.queued
                  ? ` Parameters changed: update ${created.update.number} ${created.update.status.replace("_", " ")}.`
                  : created.update
                    ? ` Parameters changed, no update queued: ${created.update.reason}`
                    : ""
              }`
            : `${created.number} submitted: ${created.status.replace("_", " ")}.`,
        );
      if (!o.wait) return json ? console.log(JSON.stringify(created, null, 2)) : undefined;
      const final = await waitFor(client, created.id, !json);
      if (json) console.log(JSON.stringify(final, null, 2));
      else if (final.environment?.status === "ready") console.log(`Environment ready: ${final.environment.id}`);
      if (final.environment?.status !== "ready") {
        throw new ApiError(
          0,
          `${final.request.label} ended ${final.request.status}${final.environment ? `, environment ${final.environment.status}${final.environment.failureSummary ? `: ${final.environment.failureSummary}` : ""}` : ""}.`,
        );
      }
    },
  );

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Until the environment is ready or it is over: the request's state is polled, each run's log followed live over SSE. */
async function waitFor(client: Client, requestId: string, human: boolean): Promise<RequestView> {
  const followed = new Set<string>();
  let said = "";
  for (;;) {
    const view = await client.call<RequestView>("GET", `/requests/${requestId}`);
    const status = view.request.status;
    if (human && status !== said) {
      if (status === "pending_approval") console.log("Waiting for approval…");
      said = status;
    }
    if (["rejected", "cancelled", "failed", "destroyed"].includes(status)) return view;
    const run = view.runs.find((r) => !followed.has(r.id) && (r.kind === "apply" || r.kind === "destroy" || r.kind === "update"));
    if (run) {
      followed.add(run.id);
      if (human) console.log(`Following ${run.kind} run ${run.id}:`);
      const end = await client.followRun(
        run.id,
        (line) => human && console.log(`  ${line.at.slice(11, 19)} ${line.level.padEnd(5)} ${line.message}`),
      );
      if (human) console.log(`Run ${end.status}${end.error ? `: ${end.error}` : ""}.`);
      continue;
    }
    if (
      view.environment &&
      ["ready", "failed"].includes(view.environment.status) &&
      view.runs.every((r) => !["queued", "running"].includes(r.status))
    )
      return view;
    await sleep(1000);
  }
}

program
  .command("approve <requestId>")
  .description("approve a request (personal token with the approve scope)")
  .option("--comment <text>", "a comment", "")
  .action(async (id: string, o: { comment: string }, cmd: Command) => {
    const result = await clientFor(cmd).call<{ id: string; status: string }>("POST", `/requests/${id}/approve`, { body: { comment: o.comment } });
    print(cmd, result, () => `Approved: the request is now ${result.status.replace("_", " ")}.`);
  });

program
  .command("reject <requestId>")
  .description("reject a request, saying why")
  .requiredOption("--comment <text>", "why (at least 3 characters)")
  .action(async (id: string, o: { comment: string }, cmd: Command) => {
    const result = await clientFor(cmd).call<{ id: string; status: string }>("POST", `/requests/${id}/reject`, { body: { comment: o.comment } });
    print(cmd, result, () => `Rejected.`);
  });

program
  .command("envs")
  .description("list environments (yours; --all for your teams')")
  .option("--all", "every environment of your teams")
  .addOption(new Option("--status <status>", "only this status").choices(["provisioning", "ready", "failed", "destroying", "destroyed"]))
  .action(async (o: { all?: boolean; status?: string }, cmd: Command) => {
    const list = await clientFor(cmd).call<{ environments: EnvRow[] }>("GET", "/environments", {
      query: { scope: o.all ? "teams" : "mine", status: o.status, limit: 100 },
    });
    print(cmd, list, () =>
      table(
        list.environments.map((e) => ({ ...e, expires: e.expiresAt ?? "" })),
        ["id", "name", "status", "tier", "expires"],
      ),
    );
  });

program
  .command("outputs <environment>")
  .description("an environment's outputs (id or name); --reveal <name> shows one secret (audited)")
  .option("--reveal <name>", "reveal this secret output")
  .action(async (ref: string, o: { reveal?: string }, cmd: Command) => {
    const client = clientFor(cmd);
    const env = await resolveEnvironment(client, ref);
    if (o.reveal) {
      const secret = await client.call<{ name: string; value: unknown }>(
        "POST",
        `/environments/${env.id}/outputs/${encodeURIComponent(o.reveal)}/reveal`,
      );
      return print(cmd, secret, () => String(secret.value));
    }
    const { outputs } = await client.call<{ outputs: { name: string; title: string; sensitive: boolean; value: unknown }[] }>(
      "GET",
      `/environments/${env.id}/outputs`,
    );
    print(cmd, { outputs }, () =>
      table(
        outputs.map((x) => ({ ...x, value: x.sensitive ? "(secret: --reveal " + x.name + ")" : String(x.value) })),
        ["name", "value"],
      ),
    );
  });

program
  .command("extend <environment>")
  .description("extend an environment's lifetime (through the extension policy)")
  .requiredOption("--hours <n>", "hours to add", (v) => Number(v))
  .requiredOption("--justification <text>", "why (at least 10 characters)")
  .action(async (ref: string, o: { hours: number; justification: string }, cmd: Command) => {
    const client = clientFor(cmd);
    const env = await resolveEnvironment(client, ref);
    const result = await client.call<{ status?: string; number?: string; expiresAt?: string }>("POST", `/environments/${env.id}/extend`, {
      body: { hours: o.hours, justification: o.justification },
      headers: { "idempotency-key": randomUUID() },
    });
    print(
      cmd,
      result,
      () => `Extension ${result.number ?? ""} ${result.status ?? "requested"}${result.expiresAt ? `: expires ${result.expiresAt}` : ""}.`,
    );
  });

program
  .command("destroy [environment]")
  .description("destroy an environment (id or name), or with --source the live one of a pull request")
  .option("--source <owner/name#pr>", "the pull request whose environment to destroy (on PR close)")
  .option("--team <slug|id>", "with --source: the team (default: your only team)")
  .option("--wait", "follow the destroy run; exit non-zero if it fails")
  .action(async (ref: string | undefined, o: { source?: string; team?: string; wait?: boolean }, cmd: Command) => {
    const client = clientFor(cmd);
    let result: { environmentId?: string; environmentName?: string };
    let environmentId: string;
    if (o.source) {
      const m = /^([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)#(\d+)$/.exec(o.source);
      if (!m) throw new ApiError(0, "--source must look like owner/name#123", "source");
      const team = await resolveTeam(client, o.team);
      result = await client.call("POST", "/environments/destroy-by-source", {
        body: { teamId: team.id, repository: m[1], pullRequest: Number(m[2]) },
      });
      environmentId = result.environmentId!;
    } else {
      if (!ref) throw new ApiError(0, "Name the environment, or use --source owner/name#pr.", "environment");
      const env = await resolveEnvironment(client, ref);
      const detail = await client.call<{ environment: { name: string } }>("GET", `/environments/${env.id}`);
      result = {
        ...(await client.call<object>("POST", `/environments/${env.id}/destroy`, { body: { confirmName: detail.environment.name } })),
        environmentId: env.id,
        environmentName: detail.environment.name,
      };
      environmentId = env.id;
    }
    if (!globals(cmd).json) console.log(`Destroy queued for ${result.environmentName ?? environmentId}.`);
    if (o.wait) {
      for (;;) {
        const detail = await client.call<{ environment: { status: string }; runs: { id: string; kind: string; status: string }[] }>(
          "GET",
          `/environments/${environmentId}`,
        );
        const run = detail.runs.find((r) => r.kind === "destroy");
        if (run) {
          const end = await client.followRun(run.id, (line) => !globals(cmd).json && console.log(`  ${line.at.slice(11, 19)} ${line.message}`));
          if (end.status !== "succeeded") throw new ApiError(0, `The destroy run ${end.status}${end.error ? `: ${end.error}` : ""}.`);
          if (!globals(cmd).json) console.log("Destroyed.");
          break;
        }
        await sleep(500);
      }
    }
    if (globals(cmd).json) console.log(JSON.stringify(result, null, 2));
  });

program
  .command("config-path")
  .description("print where login stores the URL and token")
  .action(() => console.log(configPath()));

async function readStdinLine(): Promise<string | undefined> {
  if (process.stdin.isTTY) return undefined;
  let text = "";
  for await (const chunk of process.stdin) text += String(chunk);
  return text.split(/\r?\n/)[0]?.trim() || undefined;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  if (error instanceof ApiError) {
    console.error(`provisio: ${error.message}${error.field ? ` (field: ${error.field})` : ""}${error.status ? ` [HTTP ${error.status}]` : ""}`);
    process.exit(1);
  }
  console.error(`provisio: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

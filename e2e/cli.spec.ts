import { execFile } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { signInAs } from "./support/session";

/** The CLI session, kept for the closing note of issue 15. */
const transcript = join(".tmp", "cli-session.txt");

function provisio(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("node", ["bin/provisio", ...args], { env: { ...process.env, ...env }, timeout: 170_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      const shown = args.map((a) => (a.startsWith("pvo_") ? "pvo_…(redacted)" : a.includes(" ") ? JSON.stringify(a) : a)).join(" ");
      appendFileSync(transcript, `$ provisio ${shown}\n${stdout}${stderr}[exit ${code}]\n\n`);
      resolve({ code, stdout, stderr });
    });
  });
}

test("the CLI journey: token → plan → request --wait (a pull request's environment) → re-use on a new push → outputs → destroy on close", async ({
  page,
  baseURL,
}) => {
  test.setTimeout(300_000);
  mkdirSync(".tmp", { recursive: true });
  writeFileSync(transcript, "");
  const name = `pr-${Date.now().toString(36)}`;
  const pr = String(Math.floor(Date.now() / 1000) % 100_000);

  // A personal token, made in the account settings and shown once.
  await signInAs(page, "developer", "/account/tokens");
  await page.getByLabel("Name").fill("CLI journey");
  await page.getByLabel("Expires in (days)").fill("7");
  await page.getByRole("checkbox", { name: /^request:/ }).check();
  await page.getByRole("checkbox", { name: /^destroy:/ }).check();
  await page.getByRole("button", { name: "Create token" }).click();
  const token = await page.getByLabel("Token", { exact: true }).inputValue();
  expect(token).toMatch(/^pvo_/);
  await page.getByRole("button", { name: "I have stored it" }).click();
  await expect(page.getByRole("table", { name: "API tokens" })).toContainText("CLI journey");

  // The API reference page, for the closing note.
  await page.goto("/api-docs");
  await expect(page.getByRole("heading", { name: "API reference" })).toBeVisible();
  await expect(page.getByRole("heading", { name: /\/api\/v1\/requests$/ }).first()).toBeVisible();
  await page.screenshot({ path: join(".tmp", "api-reference.png"), fullPage: false });

  const env = { PROVISIO_CONFIG: join(mkdtempSync(join(tmpdir(), "provisio-cli-")), "config.json"), PROVISIO_URL: "", PROVISIO_TOKEN: "" };

  const login = await provisio(["login", "--url", baseURL!, "--token", token], env);
  expect(login.code, login.stderr).toBe(0);
  expect(login.stdout).toContain("Logged in");
  expect(statSync(env.PROVISIO_CONFIG).mode & 0o777).toBe(0o600);

  const bad = await provisio(["envs", "--token", "pvo_" + "x".repeat(43)], env);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/not known.*HTTP 401/);

  const catalog = await provisio(["catalog"], env);
  expect(catalog.stdout).toContain("bastion-host");

  const draft = ["--team", "data-science", "--template", "bastion-host", "--tier", "dev", "--name", name, "--ttl", "4"];
  const plan = await provisio(["plan", ...draft], env);
  expect(plan.code, plan.stderr).toBe(0);
  expect(plan.stdout).toMatch(/Budget \(\w+\) of Data Science/);
  expect(plan.stdout).toContain("Quotas:");
  expect(plan.stdout).toContain("Policy decision: AUTO-APPROVED");

  const invalid = await provisio(["plan", ...draft.slice(0, -2), "--ttl", "0"], env);
  expect(invalid.code).toBe(1);
  expect(invalid.stderr).toContain("field: ttlHours");

  const source = ["--source-repo", "acme/shop", "--pr", pr, "--source-url", `https://github.com/acme/shop/pull/${pr}`];
  const request = await provisio(
    ["request", ...draft, ...source, "--commit", "1111111", "--justification", "Preview of the pull request", "--wait"],
    env,
  );
  expect(request.code, request.stderr).toBe(0);
  expect(request.stdout).toMatch(/Following apply run/);
  expect(request.stdout).toMatch(/Apply finished/);
  expect(request.stdout).toMatch(/Environment ready: [0-9a-f-]{36}/);

  // A new push: the same PR's live environment is re-used, not duplicated.
  const push = await provisio(
    ["request", ...draft, ...source, "--commit", "2222222", "--justification", "Preview of the pull request", "--json"],
    env,
  );
  expect(push.code, push.stderr).toBe(0);
  expect(JSON.parse(push.stdout)).toMatchObject({ reused: true });

  const envs = await provisio(["envs", "--json"], env);
  expect((JSON.parse(envs.stdout) as { environments: { name: string }[] }).environments.filter((e) => e.name === name)).toHaveLength(1);

  const outputs = await provisio(["outputs", name], env);
  expect(outputs.code, outputs.stderr).toBe(0);
  expect(outputs.stdout).toMatch(/public_ip\s+\d+\.\d+\.\d+\.\d+/);

  // The environment page links back to the pull request.
  const id = /Environment ready: ([0-9a-f-]{36})/.exec(request.stdout)![1]!;
  await page.goto(`/environments/${id}`);
  await expect(page.getByRole("link", { name: new RegExp(`acme/shop#${pr}`) })).toHaveAttribute("href", `https://github.com/acme/shop/pull/${pr}`);
  await expect(page.getByText("2222222")).toBeVisible();

  const destroy = await provisio(["destroy", "--source", `acme/shop#${pr}`, "--team", "data-science", "--wait"], env);
  expect(destroy.code, destroy.stderr).toBe(0);
  expect(destroy.stdout).toContain("Destroyed.");
});

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { mainNavLinks, signInAs } from "./support/session";

/** The published web-service template as shipped in templates/: the base of the new version. */
const webServiceYaml = readFileSync(fileURLToPath(new URL("../templates/web-service/template.yaml", import.meta.url)), "utf8");

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function withVersion(yaml: string, version: string): string {
  return yaml.replace(/^ {2}version: .+$/m, `  version: ${version}`);
}

/** A small, valid template of our own, named per run so parallel tests never share it. */
function smallTemplate(name: string, title: string): string {
  return `apiVersion: provisio.dev/v1
kind: Template
metadata:
  name: ${name}
  title: ${title}
  description: A throwaway virtual machine created by the browser tests.
  category: compute
  owner: Platform team
spec:
  version: 1.0.0
  engine: sim
  tiers: [dev]
  parameters:
    - name: disk_gb
      title: Disk
      type: integer
      minimum: 10
      maximum: 100
      default: 20
      unit: GB
  resources:
    - id: network
      type: network
      properties: { region: eu-west-1, cidr: 10.0.0.0/16 }
    - id: subnet
      type: subnet
      properties: { region: eu-west-1, network: "\${resources.network.id}", cidr: 10.0.1.0/24 }
    - id: vm
      type: instance
      properties:
        region: eu-west-1
        instance_type: t3.micro
        image: debian-12
        subnet: \${resources.subnet.id}
        disk_gb: \${params.disk_gb}
  policy:
    ttl:
      dev: { default: 1d, max: 3d }
    approvals:
      dev: []
`;
}

/** Replaces everything in the CodeMirror editor with `text`, as a person pasting would. */
async function replaceEditorText(page: Page, text: string) {
  const editor = page.getByRole("textbox", { name: /^YAML of/ });
  await editor.click();
  await page.keyboard.press("Control+A");
  await page.keyboard.insertText(text);
}

/** One tRPC query over HTTP with the page's session cookie (superjson envelope). */
async function trpcQuery<T>(request: APIRequestContext, path: string, input?: unknown): Promise<{ status: number; data: T | null }> {
  const query = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
  const response = await request.get(`/api/trpc/${path}${query}`);
  const body = (await response.json()) as { result?: { data?: { json?: T } } };
  return { status: response.status(), data: body.result?.data?.json ?? null };
}

type CatalogEntry = { name: string; version: string; deprecated: boolean };
type CatalogDetail = { template: { deprecatedAt: string | null; deprecationReason: string | null }; versions: { version: string; status: string }[] };

const problemsStatus = (page: Page) => page.getByRole("region", { name: "Problems" }).getByRole("status");

test("an admin drafts a new version of web-service, fixes an error, publishes it and sees it in the catalog and the audit log", async ({ page }) => {
  await signInAs(page, "admin", "/admin/templates");
  await expect(page.getByRole("link", { name: "Templates", exact: true })).toHaveAttribute("aria-current", "page");
  await page.getByRole("link", { name: "Manage web-service" }).click();
  await page.waitForURL(/\/admin\/templates\/web-service$/);

  // The draft is numbered after every existing version, whatever other tests drafted or published
  // meanwhile; if another one took that number in between, the page refreshes and we click again.
  const draftUrl = /\/admin\/templates\/web-service\/drafts\/[0-9a-f-]{36}/;
  await expect(async () => {
    if (draftUrl.test(page.url())) return;
    await page.getByRole("button", { name: "New version" }).click({ timeout: 5_000 });
    await page.waitForURL(draftUrl, { timeout: 5_000 });
  }).toPass({ timeout: 30_000 });
  const heading = await page.getByRole("heading", { name: /^Draft \d+\.\d+\.\d+/ }).textContent();
  const version = /Draft (\d+\.\d+\.\d+)/.exec(heading ?? "")?.[1];
  expect(version, "the draft's version in its heading").toBeTruthy();
  if (!version) return;
  await expect(problemsStatus(page)).toHaveText("No problems");

  // An output that refers to an undeclared parameter: inline error at its line, Publish disabled.
  const goodYaml = withVersion(webServiceYaml, version);
  const badYaml = goodYaml.replace("  outputs:\n", "  outputs:\n    - name: e2e_probe\n      value: ${params.not_declared}\n");
  const badLine = badYaml.split("\n").findIndex((line) => line.includes("params.not_declared")) + 1;
  await replaceEditorText(page, badYaml);
  await expect(problemsStatus(page)).toHaveText("1 problem");
  const problem = page.getByRole("button", {
    name: new RegExp(`^Line ${badLine}, column \\d+: spec\\.outputs\\[0\\]\\.value: refers to parameter "not_declared"`),
  });
  await expect(problem).toBeVisible();
  await expect(page.locator(".cm-lintRange-error")).toHaveCount(1);
  await expect(page.locator(".cm-lintRange-error")).toHaveText("${params.not_declared}");
  const publish = page.getByRole("button", { name: "Publish", exact: true });
  await expect(publish).toBeDisabled();
  await expect(page.getByText("Save your changes before publishing.")).toBeVisible();

  // Clicking the problem moves the cursor to its line.
  await problem.click();
  await expect(page.locator(".cm-activeLine")).toContainText("params.not_declared");

  // Saving a draft with problems is allowed; publishing it is not.
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByText(/^Saved at/)).toBeVisible();
  await expect(publish).toBeDisabled();
  await expect(page.getByText("Fix the 1 problem before publishing.")).toBeVisible();

  await replaceEditorText(page, goodYaml);
  await expect(problemsStatus(page)).toHaveText("No problems");
  await expect(page.locator(".cm-lintRange-error")).toHaveCount(0);
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByText("Ready to publish.")).toBeVisible();

  await publish.click();
  const dialog = page.getByRole("dialog", { name: `Publish web-service ${version}?` });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: `Publish ${version}` }).click();
  await page.waitForURL(new RegExp(`/admin/templates/web-service\\?published=${escapeRegExp(version)}$`));
  await expect(page.getByRole("status").filter({ hasText: `Version ${version} is published` })).toBeVisible();
  const versions = page.getByRole("table", { name: "Versions of web-service" });
  const row = versions.getByRole("row", { name: new RegExp(`^${escapeRegExp(version)}(?![\\d.])`) });
  await expect(row).toContainText("published");
  await expect(row).toContainText("Published by Ada Admin");

  // The public catalog has the new version in the template's history.
  const detail = await trpcQuery<CatalogDetail>(page.request, "catalog.get", { name: "web-service" });
  expect(detail.status).toBe(200);
  expect(detail.data?.versions.map((v) => v.version)).toContain(version);
  const catalogPage = await page.goto("/catalog/web-service");
  if (catalogPage?.status() === 404) {
    test
      .info()
      .annotations.push({ type: "note", description: "/catalog/web-service is not built on this branch yet; checked through the catalog API only" });
  } else {
    // A row of the version history starts with the version.
    await expect(page.getByRole("row", { name: new RegExp(`^${escapeRegExp(version)}(?![\\d.])`) }).first()).toBeVisible();
  }

  await page.goto("/audit");
  const events = page.getByRole("table", { name: "Audit events" });
  await expect(events.getByRole("row", { name: /admin@provisio\.local template\.published/ }).first()).toBeVisible();
  await expect(events.getByRole("row", { name: /admin@provisio\.local template\.draft_updated/ }).first()).toBeVisible();
});

test("an admin creates a template from scratch, publishes it, then deprecates it: gone from the catalog, its page still opens", async ({
  page,
  browser,
}) => {
  const name = `e2e-${test.info().workerIndex}-${Date.now().toString(36)}`;
  const title = `E2E machine ${name}`;
  await signInAs(page, "admin", "/admin/templates");
  await page.getByRole("link", { name: "New template" }).click();
  await page.waitForURL(/\/admin\/templates\/new$/);

  // The starter is valid but carries a placeholder name that must be changed before saving.
  await expect(problemsStatus(page)).toHaveText("1 problem");
  await expect(page.getByRole("button", { name: /metadata\.name: pick a name for the new template/ })).toBeVisible();
  await expect(page.getByRole("button", { name: "Save draft" })).toBeDisabled();
  await expect(page.getByRole("form", { name: "Request form preview" }).getByLabel("Instance type")).toBeVisible();

  await replaceEditorText(page, smallTemplate(name, title));
  await expect(problemsStatus(page)).toHaveText("No problems");
  // The preview form checks values as you type, with the server's schema.
  const preview = page.getByRole("form", { name: "Request form preview" });
  await preview.getByLabel("Disk").fill("500");
  await expect(preview.getByText("Disk at most 100 GB")).toBeVisible();
  await expect(preview.getByLabel("Disk")).toHaveAttribute("aria-invalid", "true");

  await page.getByRole("button", { name: "Save draft" }).click();
  await page.waitForURL(new RegExp(`/admin/templates/${name}/drafts/[0-9a-f-]{36}`));
  await expect(page.getByRole("heading", { name: /^Draft 1\.0\.0/ })).toBeVisible();
  await expect(problemsStatus(page)).toHaveText("No problems");
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Publish 1.0.0" }).click();
  await page.waitForURL(new RegExp(`/admin/templates/${name}\\?published=1\\.0\\.0$`));
  await expect(page.getByRole("heading", { name: new RegExp(title) })).toBeVisible();

  // Deprecating needs a reason.
  await page.getByRole("button", { name: "Deprecate" }).click();
  const dialog = page.getByRole("dialog", { name: `Deprecate ${name}?` });
  await dialog.getByRole("button", { name: "Deprecate" }).click();
  await expect(dialog.getByText("Reason: say why, in at least 3 characters")).toBeVisible();
  await dialog.getByLabel("Reason").fill("Replaced by web-service (browser test)");
  await dialog.getByRole("button", { name: "Deprecate" }).click();
  await expect(page.getByRole("note", { name: "Deprecated" })).toContainText("Replaced by web-service (browser test)");
  await expect(page.getByRole("button", { name: "Restore" })).toBeVisible();

  await page.goto("/admin/templates");
  await expect(page.getByRole("table", { name: "All templates" }).getByRole("row", { name: new RegExp(name) })).toContainText("deprecated");

  // A developer no longer finds it in the catalog, but its page still opens, marked deprecated.
  const developer = await browser.newContext();
  const devPage = await developer.newPage();
  await signInAs(devPage, "developer", "/catalog");
  const list = await trpcQuery<CatalogEntry[]>(devPage.request, "catalog.list");
  expect(list.status).toBe(200);
  expect(list.data?.map((t) => t.name)).toContain("web-service");
  expect(list.data?.map((t) => t.name)).not.toContain(name);
  await devPage.goto("/catalog");
  if ((await devPage.getByText("Web service", { exact: true }).count()) === 0) {
    test
      .info()
      .annotations.push({ type: "note", description: "/catalog lists no templates on this branch yet; checked through the catalog API only" });
  }
  await expect(devPage.getByText(title)).toHaveCount(0);
  const detail = await trpcQuery<CatalogDetail>(devPage.request, "catalog.get", { name });
  expect(detail.status).toBe(200);
  expect(detail.data?.template.deprecationReason).toBe("Replaced by web-service (browser test)");
  const templatePage = await devPage.goto(`/catalog/${name}`);
  if (templatePage?.status() === 404) {
    test
      .info()
      .annotations.push({ type: "note", description: "/catalog/[name] is not built on this branch yet; checked through the catalog API only" });
  } else {
    await expect(devPage.getByRole("note", { name: "Deprecated" })).toContainText("Replaced by web-service (browser test)");
  }
  await developer.close();
});

test("a developer cannot reach curation: pages answer 403, the nav has no Admin, the API refuses", async ({ page }) => {
  await signInAs(page, "developer", "/catalog");
  expect(await mainNavLinks(page)).not.toContain("Admin");

  for (const path of [
    "/admin/templates",
    "/admin/templates/new",
    "/admin/templates/web-service",
    `/admin/templates/web-service/drafts/${crypto.randomUUID()}`,
  ]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(403);
    await expect(page.getByRole("heading", { name: "You are not allowed to open this page" })).toBeVisible();
    await expect(page.getByRole("textbox", { name: /^YAML of/ })).toHaveCount(0);
  }

  expect((await trpcQuery(page.request, "templateAdmin.list")).status).toBe(403);
  const create = await page.request.post("/api/trpc/templateAdmin.createDraft", {
    data: { json: { yaml: smallTemplate("e2e-forbidden", "Forbidden") } },
  });
  expect(create.status()).toBe(403);
});

import { expect, test } from "@playwright/test";
import { signInAs } from "./support/session";

test("a member opening an admin page gets a clear 'not allowed' page", async ({ page }) => {
  await signInAs(page, "developer");
  const response = await page.goto("/admin/teams");
  expect(response?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "You are not allowed to open this page" })).toBeVisible();
  await expect(page.getByRole("form", { name: "Create a team" })).toHaveCount(0);
});

test("an auditor reads the audit log but cannot open admin pages", async ({ page }) => {
  await signInAs(page, "auditor", "/audit");
  await expect(page.getByRole("table", { name: "Audit events" })).toBeVisible();
  await expect(page.getByRole("combobox", { name: /Global role of/ })).toHaveCount(0); // no role pickers: read only
  expect((await page.goto("/admin/users"))?.status()).toBe(403);
});

test("an admin creates a team, fixes a bad field, adds a member and sees it audited", async ({ page }) => {
  const slug = `e2e-${Date.now().toString(36)}`;
  await signInAs(page, "admin", "/admin/teams");
  const form = page.getByRole("form", { name: "Create a team" });
  await form.getByLabel("Name").fill("Edge Platform");
  await form.getByLabel("Slug").fill("Not A Slug!");
  await form.getByLabel("Cost center").fill("CC-3300");
  await form.getByLabel("Monthly budget (USD)").fill("7500");
  await form.getByRole("button", { name: "Create team" }).click();
  await expect(form.getByText("lowercase letters, digits and '-' only")).toBeVisible();

  await form.getByLabel("Slug").fill(slug);
  await form.getByRole("button", { name: "Create team" }).click();
  await page.waitForURL(/\/admin\/teams\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { name: new RegExp(`Edge Platform\\s*${slug}`) })).toBeVisible();

  const addMember = page.getByRole("form", { name: "Add a member" });
  await addMember.getByLabel("Email").fill("nobody@nowhere.test");
  await addMember.getByRole("button", { name: "Add member" }).click();
  await expect(addMember.getByText("No user with the email nobody@nowhere.test has signed in yet.")).toBeVisible();

  await addMember.getByLabel("Email").fill("approver2@provisio.local");
  await addMember.getByLabel("Role").selectOption("approver");
  await addMember.getByRole("button", { name: "Add member" }).click();
  const members = page.getByRole("table", { name: "Members of Edge Platform" });
  await expect(members.getByRole("row", { name: /Sam Second-Approver/ })).toBeVisible();
  await expect(members.getByLabel("Role of Sam Second-Approver")).toHaveValue("approver");

  await page.goto("/audit");
  const events = page.getByRole("table", { name: "Audit events" });
  await expect(events.getByRole("row", { name: /admin@provisio\.local team\.created/ }).first()).toBeVisible();
  await expect(events.getByRole("row", { name: /admin@provisio\.local membership\.added/ }).first()).toBeVisible();
});

test("an admin sets a team's budget mode, approval threshold and quotas, and the audit log shows before and after", async ({ page }) => {
  await signInAs(page, "admin", "/admin/teams");
  // The seeded teams carry demo limits (read only here: other journeys use these teams).
  await page.getByRole("link", { name: "Data Science" }).click();
  const form = page.getByRole("form", { name: "Team settings" });
  await expect(form.getByRole("radio", { name: /Soft/ })).toBeChecked();
  await expect(form.getByLabel("GPU quota")).toHaveValue("4");
  await expect(form.getByLabel("vCPU quota")).toHaveValue("");

  const slug = `limits-${Date.now().toString(36)}`;
  await page.goto("/admin/teams");
  const create = page.getByRole("form", { name: "Create a team" });
  await create.getByLabel("Slug").fill(slug);
  await create.getByLabel("Name").fill("Limits Lab");
  await create.getByLabel("Cost center").fill("CC-4400");
  await create.getByLabel("Monthly budget (USD)").fill("3000");
  await create.getByRole("radio", { name: /Soft/ }).check();
  await create.getByLabel("GPU quota").fill("4");
  await create.getByRole("button", { name: "Create team" }).click();
  await page.waitForURL(/\/admin\/teams\/[0-9a-f-]{36}$/);
  await expect(form.getByRole("radio", { name: /Soft/ })).toBeChecked();
  await expect(form.getByLabel("GPU quota")).toHaveValue("4");
  await expect(form.getByLabel("Admin approval above (USD per month)")).toHaveValue("");

  await form.getByRole("radio", { name: /Hard/ }).check();
  await form.getByLabel("Admin approval above (USD per month)").fill("750");
  await form.getByLabel("vCPU quota").fill("-2");
  await form.getByLabel("Instance quota").fill("12");
  await form.getByLabel("GPU quota").fill("");
  await form.getByRole("button", { name: "Save changes" }).click();
  await expect(form.getByText("cannot be negative")).toBeVisible();

  await form.getByLabel("vCPU quota").fill("96");
  await form.getByRole("button", { name: "Save changes" }).click();
  await expect(form.getByRole("status")).toHaveText("Saved.");
  await page.reload();
  await expect(form.getByRole("radio", { name: /Hard/ })).toBeChecked();
  await expect(form.getByLabel("Admin approval above (USD per month)")).toHaveValue("750");
  await expect(form.getByLabel("vCPU quota")).toHaveValue("96");
  await expect(form.getByLabel("Instance quota")).toHaveValue("12");
  await expect(form.getByLabel("GPU quota")).toHaveValue("");

  await page.goto("/audit?action=team.updated");
  const row = page
    .getByRole("table", { name: "Audit events" })
    .getByRole("row", { name: /team\.updated.*Limits Lab/ })
    .first();
  await row.getByRole("button", { name: /Details/ }).click();
  const changes = page.getByRole("table", { name: /Changes in event \d+/ });
  await expect(changes.getByRole("row", { name: "budgetMode soft hard changed" })).toBeVisible();
  await expect(changes.getByRole("row", { name: "approvalThresholdCents null 75000 changed" })).toBeVisible();
  await expect(changes.getByRole("row", { name: "quotaGpus 4 null changed" })).toBeVisible();
});

test("health answers 200 with database and worker status", async ({ request }) => {
  const response = await request.get("/api/health");
  expect(response.status()).toBe(200);
  expect(await response.json()).toMatchObject({ status: "ok", database: { ok: true }, worker: { ok: true } });
});

import { expect, test, type Browser, type Page } from "@playwright/test";
import { locateBinary } from "../server/engines/terraform/settings";
import { signInAs, type Persona } from "./support/session";

const binary = locateBinary(process.env.PROVISIO_TERRAFORM_BIN);
if (!binary.ok) console.log("terraform browser test skipped: no terraform or tofu binary on PATH");

function uniqueName(prefix: string): string {
  return `e2e-${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
}

async function newPageAs(browser: Browser, persona: Persona, path: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signInAs(page, persona, path);
  return page;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

test("a terraform environment: planned in the form, planned and approved by an approver, applied with a live log and outputs, then destroyed", async ({
  browser,
}) => {
  test.skip(!binary.ok, "no terraform or tofu binary on PATH");
  test.setTimeout(180_000);
  const name = uniqueName("tf");

  // The developer fills the form for staging (one team approval) and runs a real terraform plan from it.
  const dev = await newPageAs(browser, "developer", "/catalog/event-queue-terraform");
  await expect(dev.getByRole("heading", { level: 1, name: "Event queue with dead-letter queue" })).toBeVisible();
  await dev.getByRole("link", { name: "Request this environment" }).click();
  const form = dev.getByRole("form", { name: "Request Event queue with dead-letter queue" });
  await form.getByLabel("Team").selectOption({ label: "Payments Platform" });
  await form.getByLabel("Tier", { exact: true }).selectOption("staging");
  await form.getByLabel("Environment name").fill(name);
  await form.getByLabel("Queue name", { exact: true }).fill("settlements");
  await form.getByLabel("Justification").fill("Settlement events need a queue with a dead-letter queue.");
  const preview = dev.getByRole("complementary", { name: "Live preview" });
  await expect(preview.getByRole("region", { name: "Policy decision" })).toContainText("Needs approval");
  const planStarted = Date.now();
  await preview.getByRole("button", { name: "Run terraform plan" }).click();
  const changes = preview.getByRole("table", { name: "Terraform resource changes" });
  await expect(changes).toBeVisible({ timeout: 60_000 });
  const formPlanMs = Date.now() - planStarted;
  await expect(changes.getByRole("row", { name: /create module\.queue\.terraform_data\.queue/ })).toBeVisible();
  await expect(changes.getByRole("row", { name: /create module\.queue\.terraform_data\.dead_letter_queue/ })).toBeVisible();
  await expect(preview.getByText("2 to create, 0 to update, 0 to replace, 0 to delete")).toBeVisible();
  // Priced from the plan: the declared usage of 5 million standard requests, nothing unpriced.
  await expect(preview.getByText(/Estimated from the plan:\s*\$2(\.00)?\/month/)).toBeVisible();
  await expect(preview.getByRole("note", { name: "Unpriced resources" })).toHaveCount(0);
  await form.getByRole("button", { name: "Submit request" }).click();
  await dev.waitForURL(/\/requests\/[0-9a-f-]{36}$/);
  const requestPath = new URL(dev.url()).pathname;
  await expect(dev.getByText("Pending approval")).toBeVisible();

  // The approver plans the submitted request on its page, then approves it.
  const approver = await newPageAs(browser, "approver", requestPath);
  const plan = approver.getByRole("region", { name: "Terraform plan" });
  await plan.getByRole("button", { name: "Run terraform plan" }).click();
  await expect(plan.getByRole("table", { name: "Terraform resource changes" })).toContainText("module.queue.terraform_data.queue", {
    timeout: 60_000,
  });
  await expect(plan).toContainText(/Estimated from the plan:\s*\$2(\.00)?\/month/);
  await approver.getByRole("button", { name: "Approve" }).click();
  const label = (
    await approver
      .getByText(/^REQ-\d+$/)
      .first()
      .innerText()
  ).trim();
  const dialog = approver.getByRole("dialog", { name: `Approve ${label}` });
  await dialog.getByLabel("Comment (optional)").fill("The plan creates the two queues, as asked.");
  const applyStarted = Date.now();
  await dialog.getByRole("button", { name: "Approve" }).click();

  // The requester (notified) opens the request again and watches Terraform's own output in the run log, then the outputs.
  await expect(approver.getByRole("status").filter({ hasText: `${label} approved` })).toBeVisible();
  await dev.reload();
  const log = dev.getByRole("log", { name: "Run log" });
  await expect(log).toBeVisible({ timeout: 30_000 });
  await expect(log.getByText(/Terraform \d+\.\d+\.\d+: workspace env-/)).toBeVisible({ timeout: 30_000 });
  await expect(log.getByText("Plan: 2 to add, 0 to change, 0 to destroy.")).toBeVisible({ timeout: 30_000 });
  await expect(log.getByText(/module\.queue\.terraform_data\.queue: Creation complete/)).toBeVisible({ timeout: 30_000 });
  await expect(log.getByText(/Apply finished: 3 resources ready/)).toBeVisible({ timeout: 60_000 });
  const applyMs = Date.now() - applyStarted;
  await expect(dev.getByText("https://sqs.us-east-1.amazonaws.com/000000000000/settlements", { exact: true })).toBeVisible({ timeout: 15_000 });

  // The request page shows the saved plan next to what the run applied.
  const planVsApplied = dev.getByRole("region", { name: "Plan vs applied" });
  await expect(planVsApplied.getByText("Applied as approved")).toBeVisible({ timeout: 30_000 });
  await expect(planVsApplied.getByRole("list", { name: "Planned changes" })).toContainText("module.queue.terraform_data.queue");

  // The environment page: every Terraform resource with all mandatory tags and its cost, the outputs.
  await dev.getByRole("link", { name: "Open environment →" }).click();
  await dev.waitForURL(/\/environments\/[0-9a-f-]{36}$/);
  const resources = dev.getByRole("table", { name: "Resources" });
  await expect(resources.getByRole("rowheader")).toHaveCount(3);
  await expect(resources.getByText("✓ all 10 mandatory tags")).toHaveCount(3);
  await expect(resources).toContainText("module.queue.terraform_data.dead_letter_queue");
  await expect(dev.locator("dl[aria-label='Outputs']")).toContainText("arn:aws:sqs:us-east-1:000000000000:settlements-dlq");

  // Destroy: terraform destroy runs, the workspace goes, every resource is deleted.
  const destroyStarted = Date.now();
  await dev.getByRole("group", { name: "Actions" }).getByRole("button", { name: "Destroy" }).click();
  const confirm = dev.getByRole("dialog", { name: `Destroy ${name}?` });
  await confirm.getByLabel(`Type ${name} to confirm`).fill(name);
  await confirm.getByRole("button", { name: "Destroy environment" }).click();
  const runs = dev.getByRole("list", { name: "Runs" });
  // Followed live while it runs; once it has finished, its log opens on demand.
  await expect(runs.getByRole("listitem").first()).toContainText(/Destroy\s*succeeded/, { timeout: 60_000 });
  await expect(dev.getByRole("status").filter({ hasText: /^\s*Status:\s*Destroyed\s*$/ })).toBeVisible({ timeout: 15_000 });
  const destroyMs = Date.now() - destroyStarted;
  const showLog = runs.getByRole("button", { name: /^Show log of the destroy run/ });
  if (await showLog.isVisible()) await showLog.click();
  await expect(runs.getByText("Destroy complete! Resources: 2 destroyed.")).toBeVisible();
  await expect(runs.getByText("Destroy finished: every resource is gone")).toBeVisible();
  await expect(resources.getByText("deleted", { exact: true })).toHaveCount(3);

  const line = `terraform cycle through the portal: plan in the form ${seconds(formPlanMs)}, approval → ready ${seconds(applyMs)}, destroy → destroyed ${seconds(destroyMs)}, total ${seconds(formPlanMs + applyMs + destroyMs)}`;
  console.log(line);
  test.info().annotations.push({ type: "timing", description: line });
});

import { randomUUID } from "node:crypto";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { signInAs, type DemoUser } from "./support/session";
import { trpc } from "./support/trpc";

/** A browser of one's own per person: the sessions must not mix. */
async function openAs(browser: Browser, person: DemoUser, path: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signInAs(page, person, path);
  return page;
}

function uniqueName(prefix: string): string {
  return `e2e-${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
}

/**
 * Submits a small web service (1 × t3.small, so it stays under the cost threshold and leaves
 * the team's budget and quotas to the other tests) and returns its page's id and label.
 */
async function submitWebService(page: Page, v: { team: string; tier: "dev" | "staging" | "prod"; name: string }) {
  await page.goto("/requests/new?template=web-service");
  const form = page.getByRole("form", { name: "Request Web service" });
  await form.getByLabel("Team").selectOption({ label: v.team });
  await form.getByLabel("Tier", { exact: true }).selectOption(v.tier);
  await form.getByLabel("Environment name").fill(v.name);
  await form.getByLabel("Service name").fill("ledger");
  await form.getByLabel("Instance type").selectOption("t3.small");
  await form.getByLabel("Instances", { exact: true }).fill("1");
  await form.getByLabel("Justification").fill(`Needed for the ${v.tier} rollout of the ledger.`);
  await expect(page.getByRole("complementary", { name: "Live preview" }).getByRole("region", { name: "Policy decision" })).toContainText(
    "Needs approval",
  );
  await form.getByRole("button", { name: "Submit request" }).click();
  await page.waitForURL(/\/requests\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { level: 1, name: v.name })).toBeVisible();
  const label = (
    await page
      .getByText(/^REQ-\d+$/)
      .first()
      .innerText()
  ).trim();
  return { url: page.url(), label };
}

/**
 * The same request made through the API, for the tests whose subject is what comes after the
 * submit (the form is the first test's path): opens its page and returns its id and label.
 */
async function submitWebServiceViaApi(page: Page, v: { team: string; tier: "dev" | "staging" | "prod"; name: string }) {
  const teams = await trpc<{ id: string; name: string }[]>(page.request, "teams.list");
  const submitted = await trpc<{ id: string; number: string }>(
    page.request,
    "requests.submit",
    {
      teamId: teams.find((t) => t.name === v.team)!.id,
      templateName: "web-service",
      tier: v.tier,
      environmentName: v.name,
      ttlHours: 24,
      parameters: { service_name: "ledger", instance_type: "t3.small", instances: 1 },
      justification: `Needed for the ${v.tier} rollout of the ledger.`,
      clientRequestId: randomUUID(),
    },
    "post",
  );
  await page.goto(`/requests/${submitted.id}`);
  await expect(page.getByRole("heading", { level: 1, name: v.name })).toBeVisible();
  return { url: page.url(), label: submitted.number };
}

test("a prod request needs two team approvers: both approve and it is queued", async ({ browser }) => {
  const name = uniqueName("prod");
  const dev = await openAs(browser, "developer", "/requests");
  const { url, label } = await submitWebService(dev, { team: "Payments Platform", tier: "prod", name });
  await expect(dev.getByText("Pending approval")).toBeVisible();
  await expect(dev.getByRole("listitem", { name: "Stage 1: 0 of 2 team approvals" })).toBeVisible();
  // The requester sees no approve button on their own request.
  await expect(dev.getByRole("button", { name: "Approve" })).toHaveCount(0);

  // The first approver decides from the inbox.
  const first = await openAs(browser, "approver", "/approvals");
  const card = first.getByRole("article", { name: new RegExp(`${label} ${name}`) });
  await expect(card).toContainText("0 of 2 team approvals");
  await expect(card).toContainText("Dana Developer");
  await expect(card).toContainText("Needed for the prod rollout of the ledger.");
  await expect(card.getByRole("list", { name: `Policy reasons for ${label}` })).toContainText("Prod tier: 2 approvals from team approvers");
  await card.getByText(/^Plan: \d+ resources$/).click();
  await expect(card.getByRole("list", { name: `Plan of ${label}` })).toBeVisible();
  await card.getByLabel(/^Comment/).fill("Sized sensibly.");
  await card.getByRole("button", { name: "Approve" }).click();
  await expect(first.getByRole("status").filter({ hasText: `${label} approved: 1 more approval needed.` })).toBeVisible();
  // Decided once: it now waits for someone else, and says so.
  const waiting = first.getByRole("region", { name: "Not yours to decide" });
  await expect(waiting.getByRole("listitem").filter({ hasText: name })).toContainText("already decided");

  // The second approver approves on the request page, through the dialog.
  const second = await openAs(browser, "approver2", new URL(url).pathname);
  await expect(second.getByRole("listitem", { name: "Stage 1: 1 of 2 team approvals" })).toContainText("Avery Approver approved as team approver");
  await second.getByRole("button", { name: "Approve" }).click();
  const dialog = second.getByRole("dialog", { name: `Approve ${label}` });
  await dialog.getByLabel("Comment (optional)").fill("Go ahead.");
  await dialog.getByRole("button", { name: "Approve" }).click();
  await expect(second.getByRole("status").filter({ hasText: `${label} approved: it is fully approved and queued for provisioning.` })).toBeVisible();
  await expect(second.getByText(/^(Queued|Provisioning|Ready)$/).first()).toBeVisible();

  // The requester sees it queued, with both approvals and every step on the timeline.
  await dev.reload();
  await expect(dev.getByText(/^(Queued|Provisioning|Ready)$/).first()).toBeVisible();
  await expect(dev.getByRole("listitem", { name: "Stage 1: 2 of 2 team approvals" })).toContainText("Sam Second-Approver approved as team approver");
  const timeline = dev.getByRole("list", { name: "Timeline" });
  // The first four steps are the decisions; provisioning steps follow once the worker picks it up.
  await expect(timeline.getByRole("listitem").nth(3)).toBeVisible();
  await expect(timeline.getByRole("listitem").nth(0)).toContainText("Dana Developer submitted the request");
  await expect(timeline.getByRole("listitem").nth(1)).toContainText("Avery Approver approved");
  await expect(timeline.getByRole("listitem").nth(1)).toContainText("Sized sensibly.");
  await expect(timeline.getByRole("listitem").nth(2)).toContainText("Sam Second-Approver approved");
  await expect(timeline.getByRole("listitem").nth(3)).toContainText("Sam Second-Approver fully approved");
});

test("an approver cannot approve their own request, and is told why", async ({ browser }) => {
  const name = uniqueName("own");
  const approver = await openAs(browser, "approver", "/requests");
  const { label } = await submitWebServiceViaApi(approver, { team: "Data Science", tier: "prod", name });
  await expect(approver.getByRole("note", { name: "Why you cannot approve" })).toContainText("You cannot approve your own request");
  await expect(approver.getByRole("button", { name: "Approve" })).toHaveCount(0);
  await expect(approver.getByRole("region", { name: "Policy decision" })).toContainText(
    "You cannot approve your own request: the approvals must come from other people",
  );

  await approver.goto("/approvals");
  await expect(approver.getByRole("article", { name: new RegExp(`${label} ${name}`) })).toHaveCount(0);
  const waiting = approver.getByRole("region", { name: "Not yours to decide" });
  await expect(waiting.getByRole("listitem").filter({ hasText: name })).toContainText("You cannot approve your own request");
});

test("rejecting needs a comment; the rejected request shows who and why", async ({ browser }) => {
  const name = uniqueName("rej");
  const dev = await openAs(browser, "developer", "/requests");
  const { url, label } = await submitWebServiceViaApi(dev, { team: "Payments Platform", tier: "staging", name });

  const approver = await openAs(browser, "approver", new URL(url).pathname);
  await approver.getByRole("button", { name: "Reject" }).click();
  const dialog = approver.getByRole("dialog", { name: `Reject ${label}` });
  await dialog.getByRole("button", { name: "Reject" }).click();
  await expect(dialog.getByText("Comment: say why you reject it (at least 3 characters)")).toBeVisible();
  await dialog.getByLabel("Comment").fill("Use the shared staging cluster instead.");
  await dialog.getByRole("button", { name: "Reject" }).click();
  await expect(approver.getByRole("status").filter({ hasText: `${label} rejected.` })).toBeVisible();

  await dev.reload();
  await expect(dev.getByText("Rejected", { exact: true }).first()).toBeVisible();
  await expect(dev.getByRole("button", { name: "Cancel request" })).toHaveCount(0);
  const timeline = dev.getByRole("list", { name: "Timeline" });
  await expect(timeline).toContainText("Avery Approver rejected the request");
  await expect(timeline).toContainText("Use the shared staging cluster instead.");
});

test("editing a partly approved request clears its approvals, which then show struck through", async ({ browser }) => {
  const name = uniqueName("edit");
  const dev = await openAs(browser, "developer", "/requests");
  const { url, label } = await submitWebServiceViaApi(dev, { team: "Payments Platform", tier: "prod", name });

  const approver = await openAs(browser, "approver", "/approvals");
  const card = approver.getByRole("article", { name: new RegExp(`${label} ${name}`) });
  await card.getByRole("button", { name: "Approve" }).click();
  await expect(approver.getByRole("status").filter({ hasText: `${label} approved` })).toBeVisible();

  await dev.reload();
  await dev.getByRole("link", { name: "Edit", exact: true }).click();
  await dev.waitForURL(/\/edit$/);
  const form = dev.getByRole("form", { name: `Edit ${label}` });
  await expect(dev.getByRole("note").filter({ hasText: "Editing clears approvals" })).toContainText("1 approval given so far will be cleared");
  await expect(form.getByLabel("Environment name")).toHaveValue(name);
  await expect(form.getByLabel("Instances", { exact: true })).toHaveValue("1");
  await form.getByLabel("Instances", { exact: true }).fill("2");
  await expect(dev.getByRole("complementary", { name: "Live preview" }).getByRole("region", { name: "Policy decision" })).toContainText(
    "Needs approval",
  );
  await form.getByRole("button", { name: "Save changes" }).click();
  await dev.waitForURL(new RegExp(`${new URL(url).pathname}$`));

  await expect(dev.getByRole("listitem", { name: "Stage 1: 0 of 2 team approvals" })).toBeVisible();
  await expect(dev.getByRole("list", { name: "Approvals cleared after an edit" })).toContainText("Avery Approver approved as team approver");
  await expect(dev.getByRole("list", { name: "Timeline" })).toContainText("Dana Developer edited the request");
  await expect(dev.getByRole("list", { name: "Timeline" })).toContainText("instances 1 → 2");
  await expect(dev.getByRole("list", { name: "Timeline" })).toContainText("1 approval cleared");

  // Cancelling asks first; then nothing is left to approve.
  await dev.getByRole("button", { name: "Cancel request" }).click();
  const confirm = dev.getByRole("dialog", { name: `Cancel ${label}?` });
  await confirm.getByRole("button", { name: "Cancel request" }).click();
  await expect(dev.getByText("Cancelled", { exact: true }).first()).toBeVisible();
  await expect(dev.getByRole("list", { name: "Timeline" })).toContainText("Dana Developer cancelled the request");
});

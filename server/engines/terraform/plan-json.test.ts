/** Reading Terraform's JSON (plans, state, UI lines), pricing plans, and redacting CLI output; no CLI needed. */
import { describe, expect, it } from "vitest";
import { Redactor } from "./cli";
import { driftFromPlan, planChanges, priceResources, stateResources, uiLogEvent } from "./plan-json";

describe("plan changes and their cost", () => {
  const plan = {
    resource_changes: [
      {
        address: "module.site.aws_route53_zone.main",
        mode: "managed",
        type: "aws_route53_zone",
        module_address: "module.site",
        change: { actions: ["create"] },
      },
      {
        address: "module.site.aws_instance.web[0]",
        mode: "managed",
        type: "aws_instance",
        module_address: "module.site",
        change: { actions: ["delete", "create"] },
      },
      { address: "terraform_data.marker", mode: "managed", type: "terraform_data", change: { actions: ["update"] } },
      { address: "terraform_data.old", mode: "managed", type: "terraform_data", change: { actions: ["delete"] } },
      { address: "data.aws_caller_identity.me", mode: "data", type: "aws_caller_identity", change: { actions: ["read"] } },
    ],
  };

  it("names each change's action, type and template resource", () => {
    expect(planChanges(plan).map((c) => [c.action, c.address, c.templateResource])).toEqual([
      ["create", "module.site.aws_route53_zone.main", "site"],
      ["replace", "module.site.aws_instance.web[0]", "site"],
      ["update", "terraform_data.marker", "marker"],
      ["delete", "terraform_data.old", "old"],
    ]);
  });

  it("prices by type, adds declared usage once per module call, and lists unknown types as unpriced", () => {
    const remaining = planChanges(plan).filter((c) => c.action !== "delete");
    const cost = priceResources(
      remaining,
      [
        { terraformAddress: "module.site", label: "site: declared usage", hourlyMicros: 1000 },
        { terraformAddress: "module.gone", label: "gone", hourlyMicros: 5000 },
      ],
      () => "us-east-1",
    );
    // A hosted zone is $0.50 a month; the declared usage of module.site is charged once; module.gone is not in the plan.
    expect(cost.lines.map((l) => [l.address, l.monthlyCents])).toEqual([
      ["module.site.aws_route53_zone.main", 50],
      ["module.site", 73],
    ]);
    expect(cost.unpriced).toEqual([{ address: "module.site.aws_instance.web[0]", type: "aws_instance" }]);
    expect(cost.monthlyCents).toBe(123);
  });
});

describe("state", () => {
  it("keeps sensitive values apart from the attributes, child modules included", () => {
    const resources = stateResources({
      values: {
        root_module: {
          resources: [
            {
              address: "terraform_data.a",
              mode: "managed",
              type: "terraform_data",
              provider_name: "terraform.io/builtin/terraform",
              values: { id: "1", input: { user: "u", password: "p" } },
              sensitive_values: { input: { password: true } },
            },
          ],
          child_modules: [
            {
              address: "module.m",
              resources: [
                { address: "module.m.terraform_data.b", mode: "managed", type: "terraform_data", values: { id: "2" } },
                { address: "module.m.data.x.y", mode: "data", type: "x", values: {} },
              ],
            },
          ],
        },
      },
    });
    expect(resources.map((r) => [r.address, r.module])).toEqual([
      ["terraform_data.a", null],
      ["module.m.terraform_data.b", "module.m"],
    ]);
    expect(resources[0]?.values).toEqual({ id: "1", input: { user: "u" } });
    expect(resources[0]?.sensitive).toEqual({ "input.password": "p" });
  });
});

describe("CLI output", () => {
  it("turns -json UI lines into log lines, never the outputs' values", () => {
    expect(
      uiLogEvent(
        '{"@message":"module.q.terraform_data.x: Creation complete after 0s [id=1]","type":"apply_complete","hook":{"resource":{"addr":"module.q.terraform_data.x"}}}',
      ),
    ).toEqual({
      level: "info",
      message: "module.q.terraform_data.x: Creation complete after 0s [id=1]",
      address: "module.q.terraform_data.x",
    });
    expect(uiLogEvent('{"@message":"Outputs: 1","type":"outputs","outputs":{"token":{"value":"s3cret"}}}')).toBeNull();
    expect(
      uiLogEvent(
        '{"@message":"Error: Invalid value","type":"diagnostic","diagnostic":{"severity":"error","summary":"Invalid value for input variable","detail":"a number\\n  is required."}}',
      ),
    ).toMatchObject({
      level: "error",
      message: "Invalid value for input variable: a number is required.",
    });
    expect(uiLogEvent("panic: something broke")).toEqual({ level: "warn", message: "panic: something broke" });
  });

  it("redacts known secrets and the password of any URL", () => {
    const redact = new Redactor().add("hunter22", "ab").redact;
    expect(redact("conn=postgres://app:hunter22@db:5432/x?sslmode=disable token=hunter22 short=ab")).toBe(
      "conn=postgres://app:[redacted]@db:5432/x?sslmode=disable token=[redacted] short=ab",
    );
    expect(redact("https://user:pa55@example.com/path")).toBe("https://user:[redacted]@example.com/path");
  });
});

describe("driftFromPlan", () => {
  it("maps a plan against the refreshed world to drift: changed (properties, tags, masked secrets, unknowns left out), missing, extra", () => {
    const drift = driftFromPlan({
      resource_changes: [
        {
          address: "aws_s3_bucket.a",
          mode: "managed",
          type: "aws_s3_bucket",
          change: { actions: ["no-op"], before: { id: "a" }, after: { id: "a" } },
        },
        {
          address: "aws_db_instance.db",
          mode: "managed",
          type: "aws_db_instance",
          change: {
            actions: ["update"],
            before: { id: "db-1", size: "large", password: "old", arn: "x", tags: { team: "other" }, tags_all: { team: "other", owner: "a" } },
            after: { id: "db-1", size: "small", password: "new", arn: null, tags: { team: "payments" }, tags_all: { team: "payments", owner: "a" } },
            after_unknown: { arn: true },
            before_sensitive: { password: true },
            after_sensitive: { password: true },
          },
        },
        { address: "aws_sqs_queue.q", mode: "managed", type: "aws_sqs_queue", change: { actions: ["create"], before: null, after: { name: "q" } } },
        {
          address: "aws_sqs_queue.old",
          mode: "managed",
          type: "aws_sqs_queue",
          change: { actions: ["delete"], before: { id: "q-old" }, after: null },
        },
        { address: "data.aws_caller_identity.me", mode: "data", type: "aws_caller_identity", change: { actions: ["read"] } },
      ],
    });
    expect(drift).toEqual([
      {
        kind: "changed",
        address: "aws_db_instance.db",
        type: "aws_db_instance",
        providerId: "db-1",
        properties: [
          { path: "password", desired: "(sensitive)", actual: "(sensitive)" },
          { path: "size", desired: "small", actual: "large" },
        ],
        tags: [{ path: "team", desired: "payments", actual: "other" }],
      },
      { kind: "missing", address: "aws_sqs_queue.q", type: "aws_sqs_queue", providerId: null },
      { kind: "extra", address: "aws_sqs_queue.old", type: "aws_sqs_queue", providerId: "q-old" },
    ]);
  });
});

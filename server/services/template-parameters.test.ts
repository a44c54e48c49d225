import { describe, expect, it } from "vitest";
import { ServiceError } from "~/server/core/errors";
import { templateDocumentFor } from "~/testing/templates";
import { validateParameterValues } from "./template-parameters";

const parameters = templateDocumentFor("box").spec.parameters;

function refusalOf(values: unknown): ServiceError {
  try {
    validateParameterValues(parameters, values);
  } catch (error) {
    if (error instanceof ServiceError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("validateParameterValues: unknown keys cost bounded space", () => {
  it("reports 20,000 unknown keys in one short message listing a few and counting the rest", () => {
    const values = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`unknown_key_${i}`, "x"]));
    const started = performance.now();
    const error = refusalOf(values);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(error.kind).toBe("invalid");
    expect(error.field).toBe("parameters.unknown_key_0");
    expect(error.message).toMatch(/^Invalid parameters: unknown parameters: unknown_key_0, unknown_key_1, .* and 19,990 more$/);
    expect(error.message.length).toBeLessThan(1_000);
    // Only the listed names get a field entry: the whole answer stays small.
    expect(Object.keys(error.fieldErrors ?? {})).toHaveLength(10);
    expect(JSON.stringify({ message: error.message, fieldErrors: error.fieldErrors }).length).toBeLessThan(4_096);
  });

  it("still names a single unknown key next to its field", () => {
    const error = refusalOf({ root_password: "x" });
    expect(error.message).toBe("Invalid parameters: unknown parameter: root_password");
    expect(error.fieldErrors).toEqual({ "parameters.root_password": ["unknown parameter: root_password"] });
  });

  it("shortens absurdly long and unprintable key names in the message", () => {
    const error = refusalOf({ ["k".repeat(10_000)]: 1, "bad\u0000key": 2 });
    expect(error.message.length).toBeLessThan(300);
    expect(error.message).not.toContain("\u0000");
  });

  it("refuses values that are not an object of parameters, naming the field", () => {
    for (const values of [null, "text", 42, ["a"]]) {
      const error = refusalOf(values);
      expect(error.field).toBe("parameters");
      expect(error.message).toContain("must be an object");
    }
  });
});

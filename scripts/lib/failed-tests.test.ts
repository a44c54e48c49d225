import { describe, expect, it } from "vitest";
import { failedTests } from "./failed-tests.mjs";

describe("the test summary's failure list", () => {
  it("names each failed vitest test, a file that failed to load, and Playwright tests that failed or needed a retry", () => {
    const unit = {
      testResults: [
        {
          name: "/repo/server/a.test.ts",
          status: "failed",
          assertionResults: [
            { status: "passed", fullName: "a works" },
            { status: "failed", fullName: "a counts", failureMessages: ["\u001b[31mAssertionError: expected 9 to be 8\u001b[39m\n    at x"] },
          ],
        },
        { name: "/repo/server/b.test.ts", status: "failed", message: "\nCannot find module './gone'", assertionResults: [] },
        { name: "/repo/server/c.test.ts", status: "passed", assertionResults: [{ status: "passed", fullName: "c" }] },
      ],
    };
    const e2e = {
      suites: [
        {
          file: "catalog.spec.ts",
          specs: [{ file: "catalog.spec.ts", title: "sorts", tests: [{ status: "expected", results: [] }] }],
          suites: [
            {
              specs: [
                {
                  file: "catalog.spec.ts",
                  title: "filters",
                  tests: [{ status: "flaky", results: [{ error: { message: "Timed out 20000ms\nmore" } }, {}] }],
                },
              ],
            },
          ],
        },
      ],
    };
    expect(failedTests(unit, e2e, "/repo")).toEqual([
      "server/a.test.ts › a counts: AssertionError: expected 9 to be 8",
      "server/b.test.ts: Cannot find module './gone'",
      "catalog.spec.ts › filters (flaky): Timed out 20000ms",
    ]);
  });

  it("lists nothing when a report is missing or all passed", () => {
    expect(failedTests(null, null, "/repo")).toEqual([]);
  });
});

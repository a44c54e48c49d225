// Plain Node: `npm test` names its failures in the summary, because CI shows only the tail of the output.
import path from "node:path";

const colour = /\u001b\[[0-9;]*m/g;
const firstLine = (text) =>
  (
    String(text ?? "")
      .replace(colour, "")
      .split("\n")
      .find((line) => line.trim()) ?? ""
  )
    .trim()
    .slice(0, 200);

/**
 * "file › test: first line of the error" for each vitest failure (a test, or a file that failed to load) and each
 * Playwright test that failed or passed only on a retry. Reports are the runners' JSON reports; either may be null.
 */
export function failedTests(unitReport, e2eReport, root) {
  const names = [];
  for (const file of unitReport?.testResults ?? []) {
    const where = path.relative(root, file.name);
    const failed = (file.assertionResults ?? []).filter((test) => test.status === "failed");
    for (const test of failed) names.push(`${where} › ${test.fullName}: ${firstLine(test.failureMessages?.[0])}`);
    if (file.status === "failed" && failed.length === 0) names.push(`${where}: ${firstLine(file.message)}`);
  }
  const walk = (suite) => {
    for (const spec of suite.specs ?? [])
      for (const test of spec.tests ?? [])
        if (test.status === "unexpected" || test.status === "flaky") {
          const error = test.results?.find((result) => result.error)?.error?.message;
          names.push(`${spec.file} › ${spec.title} (${test.status}): ${firstLine(error)}`);
        }
    for (const child of suite.suites ?? []) walk(child);
  };
  for (const suite of e2eReport?.suites ?? []) walk(suite);
  return names;
}

import path from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Files that take longest on their own (seconds of test time measured on a quiet 2-core machine), started
 * first so the run does not end with one of them alone on one worker. The rest follow in path order.
 * An outdated entry only changes the order; a missing one only the tail.
 *
 * The order is the same on every run and every machine: test files share their worker's process
 * (isolate: false), so a file that leaves state behind must fail the same way each time, not only after
 * some earlier run. BaseSequencer orders by the results cache instead (failed files first, then by the
 * last durations measured; a fresh clone by file size), which changes from run to run.
 */
const slowestFirst = [
  "server/worker/chaos.test.ts",
  "server/engines/terraform/engine.test.ts",
  "server/worker/recovery-backlog.test.ts",
  "server/api/fuzz.test.ts",
  "server/runner/sigkill.test.ts",
];

export default class SlowestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const key = (spec: TestSpecification) => path.relative(spec.project.config.root, spec.moduleId).split(path.sep).join("/");
    const rank = (spec: TestSpecification) => {
      const index = slowestFirst.indexOf(key(spec));
      return index === -1 ? slowestFirst.length : index;
    };
    return [...files].sort((a, b) => rank(a) - rank(b) || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  }
}

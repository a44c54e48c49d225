import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Files that take longest on their own (seconds of test time measured on a quiet 2-core machine), started
 * first so the run does not end with one of them alone on one worker. A fresh clone has no vitest results
 * cache, and BaseSequencer would then start the largest files first, which are not these.
 * An outdated entry only changes the order; a missing one only the tail.
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
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const index = slowestFirst.findIndex((file) => spec.moduleId.endsWith(`/${file}`));
      return index === -1 ? slowestFirst.length : index;
    };
    // Array.prototype.sort is stable: the rest keep BaseSequencer's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

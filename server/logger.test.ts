import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger";

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger(stream, "info"), lines };
}

describe("logger", () => {
  it("logs a failed query's statement but never its bound values, on every code path", () => {
    const { logger, lines } = capture();
    const failed = Object.assign(new Error('Failed query: update "runs" set "worker_id" = $1 where "id" = $2\nparams: w-secret-value,4f1d'), {
      query: 'update "runs" set "worker_id" = $1 where "id" = $2',
      params: ["w-secret-value", "4f1d"],
    });
    logger.warn({ err: new Error("heartbeat failed", { cause: failed }) }, "heartbeat failed");
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line).toContain('update \\"runs\\" set \\"worker_id\\" = $1');
    expect(line).not.toContain("w-secret-value");
    expect(line).not.toContain("params");
  });

  it("redacts secret-bearing keys", () => {
    const { logger, lines } = capture();
    logger.info({ password: "hunter2", nested: { token: "t0k3n" } }, "with secrets");
    expect(lines[0]).not.toContain("hunter2");
    expect(lines[0]).not.toContain("t0k3n");
  });
});

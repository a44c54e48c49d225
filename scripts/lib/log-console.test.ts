import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createLogSink, summarizeLogLine } from "./log-console";

const json = (record: Record<string, unknown>) => JSON.stringify({ level: 30, time: Date.UTC(2026, 11, 5, 4, 30, 12), service: "web", ...record });

describe("console summaries of the JSON logs", () => {
  it("keeps routine API calls off the console, but not failed ones", () => {
    expect(summarizeLogLine(json({ msg: "trpc call", path: "catalog.list", durationMs: 12 }))).toBeNull();
    expect(
      summarizeLogLine(
        json({ level: 50, msg: "trpc call failed", path: "requests.submit", code: "INTERNAL_SERVER_ERROR", err: { message: "boom" } }),
      ),
    ).toBe("04:30:12 error trpc call failed · path=requests.submit code=INTERNAL_SERVER_ERROR boom");
  });

  it("turns other events into one short line, and passes plain lines through", () => {
    expect(summarizeLogLine(json({ msg: "worker started", job: "provision_request" }))).toBe("04:30:12 info  worker started · job=provision_request");
    expect(summarizeLogLine("   ▲ Next.js 16")).toBe("   ▲ Next.js 16");
    expect(summarizeLogLine("")).toBeNull();
    expect(summarizeLogLine(json({ msg: "x".repeat(400) }))!.length).toBe(200);
  });

  it("writes every line as it is to the service's file; LOG_FORMAT=json prints it raw", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "provisio-logs-"));
    try {
      const printed: string[] = [];
      const human = createLogSink(dir, "human", (l) => printed.push(l));
      human.write("web", json({ msg: "trpc call", path: "me.get" }));
      human.write("worker", json({ msg: "run succeeded", runId: "r1" }));
      const raw = createLogSink(dir, "json", (l) => printed.push(l));
      raw.write("web", json({ msg: "trpc call", path: "me.get" }));
      await human.close();
      await raw.close();
      expect(printed).toEqual(["[worker] 04:30:12 info  run succeeded · runId=r1", `[web]    ${json({ msg: "trpc call", path: "me.get" })}`]);
      expect((await readFile(path.join(dir, "web.log"), "utf8")).trim().split("\n")).toHaveLength(2);
      expect(JSON.parse((await readFile(path.join(dir, "worker.log"), "utf8")).trim()).msg).toBe("run succeeded");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

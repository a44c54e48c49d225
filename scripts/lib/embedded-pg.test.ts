import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "./embedded-pg";
import { findFreePort } from "./ports";

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function query(url: string, text: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

describe("embedded PostgreSQL lifecycle", () => {
  it("keeps data across restarts and recovers from a server killed without shutdown", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "provisio-pgtest-"));
    dirs.push(dataDir);
    const port = await findFreePort();
    const first = await startEmbeddedPostgres({ dataDir, port, database: "app", onNotice: () => undefined });
    await query(first.url, "create table kept (v int); insert into kept values (42)");
    // Simulate a crash: SIGKILL leaves postmaster.pid behind.
    process.kill(first.pid, "SIGKILL");
    await new Promise((r) => setTimeout(r, 500));
    expect(existsSync(path.join(dataDir, "pg", "postmaster.pid"))).toBe(true);

    const notices: string[] = [];
    const second = await startEmbeddedPostgres({ dataDir, port, database: "app", onNotice: (n) => notices.push(n) });
    try {
      expect(notices.join("\n")).toMatch(/stale PostgreSQL lock|orphaned embedded PostgreSQL/);
      expect(await query(second.url, "select v from kept")).toEqual([{ v: 42 }]);
    } finally {
      await second.stop();
    }
    expect(existsSync(path.join(dataDir, "pg", "postmaster.pid"))).toBe(false);
  });

  it("refuses a second server on a cluster that a live launcher still runs", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "provisio-pgtest-"));
    dirs.push(dataDir);
    const server = await startEmbeddedPostgres({ dataDir, port: await findFreePort(), database: "app" });
    try {
      await expect(startEmbeddedPostgres({ dataDir, port: await findFreePort(), database: "app" })).rejects.toThrow(/already running \(pid \d+\)/);
    } finally {
      await server.stop();
    }
  });

  it("says which port is taken instead of hanging", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "provisio-pgtest-"));
    dirs.push(dataDir);
    const port = await findFreePort();
    const squatter = spawn(process.execPath, ["-e", `require("net").createServer().listen(${port}, "0.0.0.0"); setTimeout(() => {}, 30000)`]);
    await new Promise((r) => setTimeout(r, 400));
    try {
      await expect(startEmbeddedPostgres({ dataDir, port, database: "app" })).rejects.toThrow(`Port ${port} is already in use`);
    } finally {
      squatter.kill();
    }
  });
});

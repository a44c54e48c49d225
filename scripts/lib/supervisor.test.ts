import { spawn } from "node:child_process";
import { afterEach, describe, expect, it, vi } from "vitest";
import { findFreePort } from "./ports";
import { supervise, type Supervised } from "./supervisor";

/** A stand-in for the web process: answers /api/health with its pid. */
const healthServer = `
require("node:http")
  .createServer((req, res) => { res.writeHead(req.url === "/api/health" ? 200 : 404); res.end(String(process.pid)); })
  .listen(Number(process.env.PORT), "127.0.0.1");
`;

const running: Supervised[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop(5_000)));
});

function start(options: Omit<Parameters<typeof supervise>[0], "log"> & { lines: string[] }): Supervised {
  const supervised = supervise({ ...options, log: (line) => options.lines.push(line) });
  running.push(supervised);
  return supervised;
}

/** The pid answering /api/health, or null while nothing answers. */
async function healthyPid(port: number): Promise<number | null> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(2_000) });
    return response.ok ? Number(await response.text()) : null;
  } catch {
    return null;
  }
}

const waitLong = { timeout: 60_000, interval: 50 };

describe("the process supervisor", () => {
  it("restarts a SIGKILLed child with a growing backoff, and the restarted child answers health again", async () => {
    const port = await findFreePort();
    const lines: string[] = [];
    const restarted: number[] = [];
    const supervised = start({
      name: "web",
      spawn: () => spawn(process.execPath, ["-e", healthServer], { env: { ...process.env, PORT: String(port) }, stdio: "ignore" }),
      policy: { initialBackoffMs: 200, maxCrashes: 5, windowMs: 600_000 },
      onRestart: (_child, restart) => restarted.push(restart),
      lines,
    });

    const first = supervised.current().pid!;
    await vi.waitFor(async () => expect(await healthyPid(port)).toBe(first), waitLong);

    supervised.current().kill("SIGKILL");
    await vi.waitFor(async () => {
      const pid = await healthyPid(port);
      expect(pid).not.toBeNull();
      expect(pid).not.toBe(first);
    }, waitLong);
    expect(lines).toEqual(["provisio: web exited (signal SIGKILL); restarting in 200 ms (restart 1)"]);
    expect(restarted).toEqual([1]);
    expect(supervised.restarts()).toBe(1);

    // A second crash inside the window waits twice as long.
    const second = supervised.current().pid!;
    supervised.current().kill("SIGKILL");
    await vi.waitFor(async () => expect([null, second]).not.toContain(await healthyPid(port)), waitLong);
    expect(lines[1]).toBe("provisio: web exited (signal SIGKILL); restarting in 400 ms (restart 2)");
    expect(supervised.restarts()).toBe(2);
  });

  it("gives up with a clear reason after repeated crashes in the window, and restarts no more", async () => {
    const lines: string[] = [];
    let spawned = 0;
    const supervised = start({
      name: "worker",
      spawn: () => {
        spawned += 1;
        return spawn(process.execPath, ["-e", "process.exit(3)"], { stdio: "ignore" });
      },
      policy: { initialBackoffMs: 10, maxCrashes: 3, windowMs: 600_000 },
      lines,
    });
    await expect(supervised.gaveUp).resolves.toBe("worker crashed 3 times within 600 s (last: code 3); giving up");
    expect(spawned).toBe(3);
    expect(lines).toEqual([
      "provisio: worker exited (code 3); restarting in 10 ms (restart 1)",
      "provisio: worker exited (code 3); restarting in 20 ms (restart 2)",
      "provisio: worker crashed 3 times within 600 s (last: code 3); giving up",
    ]);
    expect(supervised.restarts()).toBe(2);
  });

  it("takes over a child that already exited as a crash", async () => {
    const lines: string[] = [];
    const first = spawn(process.execPath, ["-e", "process.exit(7)"], { stdio: "ignore" });
    await new Promise((resolve) => first.once("exit", resolve));
    let spawned = 0;
    const supervised = start({
      name: "worker",
      first,
      spawn: () => {
        spawned += 1;
        return spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
      },
      policy: { initialBackoffMs: 10 },
      lines,
    });
    await vi.waitFor(() => expect(supervised.restarts()).toBe(1), waitLong);
    expect(spawned).toBe(1);
    expect(lines).toEqual(["provisio: worker exited (code 7); restarting in 10 ms (restart 1)"]);
  });

  it("never restarts what it was asked to stop, even with a restart pending", async () => {
    const lines: string[] = [];
    let spawned = 0;
    const supervised = start({
      name: "worker",
      spawn: () => {
        spawned += 1;
        return spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
      },
      policy: { initialBackoffMs: 60_000, maxBackoffMs: 60_000 },
      lines,
    });
    supervised.current().kill("SIGKILL");
    await vi.waitFor(() => expect(lines).toHaveLength(1), waitLong);
    expect(lines[0]).toBe("provisio: worker exited (signal SIGKILL); restarting in 60 s (restart 1)");
    await supervised.stop(5_000);
    expect(spawned).toBe(1);

    // A running child is stopped with SIGTERM, and its exit is not a crash.
    const otherLines: string[] = [];
    const other = start({
      name: "web",
      spawn: () => spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" }),
      lines: otherLines,
    });
    const child = other.current();
    await other.stop(5_000);
    expect(child.signalCode).toBe("SIGTERM");
    expect(other.restarts()).toBe(0);
    expect(otherLines).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import { createProgress, formatElapsed } from "./progress.mjs";

function sink() {
  const chunks: string[] = [];
  return { out: { write: (s: string) => chunks.push(s) } as unknown as NodeJS.WritableStream, text: () => chunks.join("") };
}

describe("start-up progress", () => {
  it("prints plain lines with elapsed times outside a terminal", () => {
    let t = 0;
    const s = sink();
    const progress = createProgress({ out: s.out, tty: false, now: () => t });
    const build = progress.step("Building the web app");
    build.note("compiling");
    t = 83_400;
    build.done();
    const db = progress.step("Starting PostgreSQL");
    t += 1_200;
    db.fail("port 54329 is taken");
    expect(s.text()).toBe(
      [
        "  … Building the web app",
        "    Building the web app: compiling",
        "  ✓ Building the web app (1 min 23 s)",
        "  … Starting PostgreSQL",
        "  ✗ Starting PostgreSQL (1.2 s) port 54329 is taken",
        "",
      ].join("\n"),
    );
  });

  it("spins on one line in a terminal and ends it with a mark", () => {
    let t = 0;
    const s = sink();
    const progress = createProgress({ out: s.out, tty: true, now: () => t });
    const step = progress.step("Installing dependencies");
    t = 2_000;
    step.done("(npm ci)");
    expect(s.text()).toContain("\r\x1b[2K  ⠋ Installing dependencies (0.0 s)");
    expect(s.text().endsWith("  ✓ Installing dependencies (2.0 s) (npm ci)\n")).toBe(true);
  });

  it("formats elapsed times", () => {
    expect([formatElapsed(450), formatElapsed(59_940), formatElapsed(125_000)]).toEqual(["0.5 s", "59.9 s", "2 min 05 s"]);
  });
});

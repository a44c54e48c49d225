// Plain Node (no TypeScript): scripts/test.mjs reads it before dependencies are installed.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/**
 * Debian's headless shell (package chromium-headless-shell): the same Chromium build in the headless-only
 * binary Playwright itself runs for headless tests. The full browser's headless mode brings its GPU process
 * and browser-UI renderers along: on 2 cores the browser tests spent about twice the CPU in it.
 */
export const headlessShell = "/usr/bin/chromium-headless-shell";
/** Debian's full browser (package chromium): used when the headless shell is not installed. */
export const fullChromium = "/usr/bin/chromium";

/** The Chromium the browser tests launch: PLAYWRIGHT_CHROMIUM_PATH, else the headless shell, else the full browser. */
export function chromiumPath() {
  if (process.env.PLAYWRIGHT_CHROMIUM_PATH) return process.env.PLAYWRIGHT_CHROMIUM_PATH;
  return existsSync(headlessShell) || !existsSync(fullChromium) ? headlessShell : fullChromium;
}

/**
 * Installs Debian's headless shell with apt-get when it is missing and we are root (no PLAYWRIGHT_CHROMIUM_PATH).
 * Returns the Chromium to launch, or null (with the reason printed) when there is none.
 */
export function ensureChromium() {
  const wanted = chromiumPath();
  if (existsSync(wanted)) return wanted;
  if (!process.env.PLAYWRIGHT_CHROMIUM_PATH && process.getuid?.() === 0) {
    console.log("provisio: Chromium's headless shell is missing; installing Debian's chromium-headless-shell package…");
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    const update = spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
    if (update.status === 0) spawnSync("apt-get", ["install", "-y", "-qq", "chromium-headless-shell"], { stdio: "inherit", env });
    if (existsSync(headlessShell)) return headlessShell;
    if (existsSync(fullChromium)) {
      console.log(`provisio: installing it failed; the browser tests use ${fullChromium} (slower).`);
      return fullChromium;
    }
  }
  console.error(
    `\nprovisio: the browser tests need Chromium at ${wanted}.\n` +
      "Install it with: sudo apt-get install chromium-headless-shell   (or chromium; or set PLAYWRIGHT_CHROMIUM_PATH to a Chromium binary)",
  );
  return null;
}

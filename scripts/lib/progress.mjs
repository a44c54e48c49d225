// Plain Node (no TypeScript): `npm start` reports its steps before dependencies are installed.
// In a terminal: one line per step with a spinner and the elapsed time, replaced by ✓ or ✗ when
// it ends. Elsewhere (CI, a pipe, a log file): plain lines, one when a step starts and one when it ends.

const frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** "12.3 s", "2 min 05 s". */
export function formatElapsed(ms) {
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${String(Math.floor(seconds % 60)).padStart(2, "0")} s`;
}

/**
 * A step reporter. `out` is a writable stream (default stdout); `tty` forces one style.
 * Each `step(label)` returns { note(text), done(detail?), fail(detail?) }; only one step spins at a time.
 */
export function createProgress({ out = process.stdout, tty = Boolean(process.stdout.isTTY) && !process.env.CI, now = () => Date.now() } = {}) {
  let active = null;
  let timer = null;
  const render = () => {
    if (!active) return;
    const frame = frames[Math.floor(now() / 80) % frames.length];
    const note = active.note ? `  ${active.note}` : "";
    out.write(`\r\x1b[2K  ${frame} ${active.label} (${formatElapsed(now() - active.started)})${note}`);
  };
  const stopSpinner = () => {
    if (timer) clearInterval(timer);
    timer = null;
    if (tty) out.write("\r\x1b[2K");
  };
  return {
    tty,
    step(label) {
      const step = { label, started: now(), note: "" };
      active = step;
      if (tty) {
        render();
        timer = setInterval(render, 80);
        timer.unref?.();
      } else out.write(`  … ${label}\n`);
      const end = (mark, detail) => {
        if (active === step) {
          stopSpinner();
          active = null;
        }
        out.write(`  ${mark} ${label} (${formatElapsed(now() - step.started)})${detail ? ` ${detail}` : ""}\n`);
      };
      return {
        note(text) {
          if (text === step.note) return;
          step.note = text;
          if (!tty && text) out.write(`    ${label}: ${text}\n`);
        },
        done: (detail) => end("✓", detail),
        fail: (detail) => end("✗", detail),
      };
    },
    /** A line between steps (a warning, a result): printed above the spinner. */
    line(text) {
      if (tty && active) out.write("\r\x1b[2K");
      out.write(`${text}\n`);
      if (tty && active) render();
    },
  };
}

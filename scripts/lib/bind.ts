/**
 * Where the web server listens. Demo sign-in is a passwordless admin, so with it on the default
 * is this machine only (127.0.0.1); PROVISIO_BIND overrides, e.g. 0.0.0.0 to serve a network.
 */
const loopback = new Set(["127.0.0.1", "::1", "localhost"]);

export function isLoopback(bind: string | null): boolean {
  return bind !== null && loopback.has(bind);
}

/** The address to pass to `next start -H`, or null for Next's default (every interface). */
export function chooseBind(configured: string | undefined, demoSignIn: boolean): string | null {
  return configured ?? (demoSignIn ? "127.0.0.1" : null);
}

/** The host the launcher itself uses to reach the web server (health checks). */
export function probeHost(bind: string | null): string {
  if (bind === null || bind === "0.0.0.0" || bind === "::" || bind === "localhost") return "127.0.0.1";
  return bind.includes(":") ? `[${bind}]` : bind;
}

/** The start-up line: where the web server listens, with a warning when demo sign-in is reachable from other machines. */
export function describeBind(bind: string | null, demoSignIn: boolean): string {
  if (demoSignIn && isLoopback(bind)) {
    return `provisio: demo sign-in is on, so the web server listens on ${bind} only (this machine); set PROVISIO_BIND=0.0.0.0 to serve other machines`;
  }
  const where = bind === null ? "every interface" : bind;
  if (demoSignIn) {
    return `provisio: warning: demo sign-in is on and the web server listens on ${where}: anyone who can reach it can sign in as an admin without a password`;
  }
  return `provisio: the web server listens on ${where}`;
}

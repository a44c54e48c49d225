/** What a live change touches: which API routers' cached queries, and which pages must re-render. Pure, for the hook and its test. */
export type LiveChangeMessage = { t: "request" | "environment" | "notification" | "rollout"; id: string; rel: string | null };

const routersByKind = {
  request: ["requests", "approvals", "extensions", "updates", "drift", "home"],
  environment: ["environments", "runs", "requests", "costs", "drift", "fleet", "home"],
  notification: ["notifications"],
  rollout: ["fleetRollouts"],
} as const;

export type LiveRouter = (typeof routersByKind)[keyof typeof routersByKind][number];

export function routersFor(change: LiveChangeMessage): readonly LiveRouter[] {
  return routersByKind[change.t];
}

/**
 * Whether the server-rendered page at `pathname` shows the changed object: the request page
 * (its request, or the request that made a changed environment), the environment page (its
 * environment, or an extension request of it) and the home page. Client lists re-read through
 * their queries instead.
 */
export function pageShows(pathname: string, change: LiveChangeMessage): boolean {
  if (pathname === "/") return change.t === "request" || change.t === "environment";
  const [, section, id] = pathname.split("/");
  if (!id) return false;
  if (section === "requests") return (change.t === "request" && change.id === id) || (change.t === "environment" && change.rel === id);
  if (section === "environments") return (change.t === "environment" && change.id === id) || (change.t === "request" && change.rel === id);
  return false;
}

export function parseMessage(data: string): LiveChangeMessage | null {
  try {
    const value = JSON.parse(data) as Partial<LiveChangeMessage>;
    if ((value.t === "request" || value.t === "environment" || value.t === "notification" || value.t === "rollout") && typeof value.id === "string") {
      return { t: value.t, id: value.id, rel: typeof value.rel === "string" ? value.rel : null };
    }
  } catch {
    // A malformed message is ignored: the next one or a reconnect brings the page up to date.
  }
  return null;
}

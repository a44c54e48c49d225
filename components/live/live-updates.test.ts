import { describe, expect, it } from "vitest";
import { pageShows, parseMessage, routersFor } from "./live-updates";

const req = "11111111-1111-4111-8111-111111111111";
const env = "22222222-2222-4222-8222-222222222222";

describe("live updates on the client", () => {
  it("re-renders the request page for its request and for the environment it made", () => {
    expect(pageShows(`/requests/${req}`, { t: "request", id: req, rel: null })).toBe(true);
    expect(pageShows(`/requests/${req}`, { t: "environment", id: env, rel: req })).toBe(true);
    expect(pageShows(`/requests/${req}`, { t: "request", id: env, rel: null })).toBe(false);
  });

  it("re-renders the environment page for it and its extension requests, and the home page for any change but a notification", () => {
    expect(pageShows(`/environments/${env}`, { t: "environment", id: env, rel: req })).toBe(true);
    expect(pageShows(`/environments/${env}`, { t: "request", id: req, rel: env })).toBe(true);
    expect(pageShows("/", { t: "environment", id: env, rel: null })).toBe(true);
    expect(pageShows("/", { t: "notification", id: env, rel: null })).toBe(false);
    expect(pageShows("/environments", { t: "environment", id: env, rel: null })).toBe(false);
    expect(pageShows("/", { t: "rollout", id: env, rel: null })).toBe(false);
  });

  it("invalidates the routers whose queries show the change", () => {
    expect(routersFor({ t: "notification", id: req, rel: null })).toEqual(["notifications"]);
    expect(routersFor({ t: "request", id: req, rel: null })).toContain("approvals");
    expect(routersFor({ t: "environment", id: env, rel: null })).toContain("environments");
    expect(routersFor({ t: "rollout", id: req, rel: null })).toEqual(["fleetRollouts"]);
  });

  it("ignores malformed messages", () => {
    expect(parseMessage("{")).toBeNull();
    expect(parseMessage(JSON.stringify({ t: "other", id: req }))).toBeNull();
    expect(parseMessage(JSON.stringify({ t: "request", id: req }))).toEqual({ t: "request", id: req, rel: null });
    expect(parseMessage(JSON.stringify({ t: "rollout", id: req, rel: null }))).toEqual({ t: "rollout", id: req, rel: null });
  });
});

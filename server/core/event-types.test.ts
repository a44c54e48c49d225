import { describe, expect, it } from "vitest";
import { notificationKindLabel } from "~/server/schemas/events";
import { eventTypeLabel, webhookEventsField, webhookEventTypes } from "~/server/schemas/webhooks";
import { cloudEventType } from "./webhook-outbox";
import type { ProvisioEvent } from "./events";
import { eventTypeNames, eventTypes, isEventType, notificationKinds, subscribableEventTypes } from "./event-types";

describe("the event table", () => {
  it("describes every event: a label, what it means and who is told", () => {
    for (const name of eventTypeNames) {
      expect(name).toMatch(/^(request|run|environment|slo|fleet)\.[a-z_]+$/);
      const spec = eventTypes[name];
      expect(spec.label.length, name).toBeGreaterThan(3);
      expect(spec.description, name).toMatch(/^[A-Z].*\.$/);
      expect(spec.notifies.length, name).toBeGreaterThan(3);
    }
    expect(new Set(eventTypeNames.map((n) => eventTypes[n].label)).size).toBe(eventTypeNames.length);
  });

  it("is what webhooks can subscribe to, as CloudEvent types, and nothing else", () => {
    expect(webhookEventTypes.map((e) => e.type)).toEqual(subscribableEventTypes.map(cloudEventType));
    expect(subscribableEventTypes).toContain("request.queued");
    expect(subscribableEventTypes).toContain("environment.destroy_requested");
    expect(webhookEventsField.parse(["dev.provisio.environment.destroy_requested"])).toEqual(["dev.provisio.environment.destroy_requested"]);
    expect(webhookEventsField.safeParse(["dev.provisio.request.queud"]).success).toBe(false);
    expect(webhookEventsField.safeParse(["request.queued"]).success).toBe(false);
  });

  it("labels deliveries from the table, and shows an unknown type without the prefix", () => {
    expect(eventTypeLabel("dev.provisio.request.queued")).toBe("Request queued");
    expect(eventTypeLabel("dev.provisio.environment.destroy_requested")).toBe("Destroy requested");
    expect(eventTypeLabel("dev.provisio.request.renamed")).toBe("request.renamed");
    expect(eventTypeLabel("dev.provisio.toString")).toBe("toString");
  });

  it("knows its names, and only its names", () => {
    expect(isEventType("run.failed")).toBe(true);
    expect(isEventType("run.faild")).toBe(false);
    expect(isEventType("constructor")).toBe(false);
    expect(Object.keys(notificationKinds)).toContain("environment_destroying");
    expect(notificationKindLabel("environment_destroying")).toBe("Destroying");
    expect(notificationKindLabel("request_cancelled")).toBe("request cancelled");
  });

  it("makes a misspelt event name or notification kind a compile error", () => {
    const event: ProvisioEvent = {
      // @ts-expect-error "request.queud" is not in the event table (tsc fails if this line ever compiles).
      type: "request.queud",
      teamId: "team",
      subject: "requests/1",
      data: {},
      // @ts-expect-error "approval_neded" is not a notification kind.
      notify: { userIds: [], kind: "approval_neded", title: "t" },
    };
    expect(isEventType(event.type)).toBe(false);
  });
});

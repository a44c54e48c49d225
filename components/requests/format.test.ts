import { describe, expect, it } from "vitest";
import { shownRequestStatus, stageProgress } from "./format";

describe("request status words", () => {
  it("says Provisioning while the run runs, whatever the request row still says", () => {
    expect(shownRequestStatus("queued", "running")).toEqual({ label: "Provisioning", tone: "brand" });
    expect(shownRequestStatus("provisioning", "running").label).toBe("Provisioning");
  });

  it("keeps the request's own word otherwise", () => {
    expect(shownRequestStatus("queued", null).label).toBe("Queued");
    expect(shownRequestStatus("queued", "queued").label).toBe("Queued");
    expect(shownRequestStatus("ready", "succeeded")).toEqual({ label: "Ready", tone: "green" });
    expect(shownRequestStatus("pending_approval", undefined).label).toBe("Pending approval");
  });

  it("counts approvals in the singular and plural", () => {
    expect(stageProgress({ role: "team_approver", count: 1 }, 1)).toBe("0 of 1 team approval");
    expect(stageProgress({ role: "admin", count: 2 }, 1)).toBe("1 of 2 admin approvals");
  });
});

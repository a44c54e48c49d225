/** Which teams' runs an SLO view covers: every team (null) for admins and auditors, else the teams the viewer approves in. */
import { sloTeamIds } from "~/server/access/rules";
import { ServiceError } from "~/server/core/errors";
import type { Viewer } from "../users";

export function sloTeamScope(viewer: Viewer, teamId: "all" | string): string[] | null {
  const allowed = sloTeamIds(viewer);
  if (allowed === null) throw new ServiceError("forbidden", "The SLO dashboards need the approver role in a team, or the admin or auditor role.");
  if (teamId === "all") return allowed === "all" ? null : allowed;
  // A team the viewer does not cover does not exist for them, like everywhere else.
  if (allowed !== "all" && !allowed.includes(teamId)) throw new ServiceError("not_found", "Team was not found.", "teamId");
  return [teamId];
}

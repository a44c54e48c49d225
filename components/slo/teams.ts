import type { Viewer } from "~/server/services/users";
import type { SloTeamOption } from "./types";

/** The teams an SLO page offers: every team for admins and auditors (passed in), else the viewer's approver teams. */
export function sloTeamOptions(viewer: Viewer, allTeams: SloTeamOption[] | null): SloTeamOption[] {
  const list = allTeams ? allTeams : viewer.teams.filter((t) => t.role === "approver").map((t) => ({ id: t.id, name: t.name }));
  return [...list].sort((a, b) => a.name.localeCompare(b.name));
}

import "server-only";
import { forbidden, redirect } from "next/navigation";
import type { Viewer } from "~/server/services/users";
import { getViewer } from "./session";

/** For pages: the viewer, or a redirect to sign-in. */
export async function requireViewer(): Promise<Viewer> {
  const viewer = await getViewer();
  if (!viewer) redirect("/signin");
  return viewer;
}

/** For pages: the viewer if `allowed` says so, else the 403 "not allowed" page. */
export async function requirePageAccess(allowed: (viewer: Viewer) => boolean): Promise<Viewer> {
  const viewer = await requireViewer();
  if (!allowed(viewer)) forbidden();
  return viewer;
}

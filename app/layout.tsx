import type { Metadata } from "next";
import { connection } from "next/server";
import type { ReactNode } from "react";
import { ApiProvider } from "~/components/trpc/client";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Provisio", template: "%s · Provisio" },
  description: "Self-service infrastructure environments from an approved catalog.",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Rendered per request, never prerendered: Next.js marks its scripts with the request's CSP
  // nonce (proxy.ts), which a page built ahead of time could not carry.
  await connection();
  return (
    <html lang="en">
      <body className="min-h-screen font-sans">
        <ApiProvider>{children}</ApiProvider>
      </body>
    </html>
  );
}

import type { Metadata } from "next";
import type { ReactNode } from "react";
import { ApiProvider } from "~/components/trpc/client";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Provisio", template: "%s · Provisio" },
  description: "Self-service infrastructure environments from an approved catalog.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen font-sans">
        <ApiProvider>{children}</ApiProvider>
      </body>
    </html>
  );
}

"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { signOut } from "next-auth/react";
import { useState, type ReactNode } from "react";
import { NotificationBell } from "~/components/notifications/notification-bell";
import type { NavItem } from "~/server/auth/access";

type ShellUser = { name: string; email: string; roleLabel: string };

export function AppShell({ nav, user, children }: { nav: NavItem[]; user: ShellUser; children: ReactNode }) {
  const pathname = usePathname();
  const [menuOpen, setMenuOpen] = useState(false);
  const isActive = (href: string) => pathname === href || pathname.startsWith(`${href}/`);

  const links = (
    <ul className="flex flex-col gap-1">
      {nav.map((item) => (
        <li key={item.href}>
          <Link
            href={item.href}
            onClick={() => setMenuOpen(false)}
            aria-current={isActive(item.href) ? "page" : undefined}
            className={`block rounded-md px-3 py-2 text-sm font-medium ${
              isActive(item.href) ? "bg-brand-50 text-brand-700" : "text-slate-700 hover:bg-slate-100"
            }`}
          >
            {item.label}
          </Link>
        </li>
      ))}
    </ul>
  );

  const account = (
    <div className="border-t border-slate-200 pt-4">
      <Link href="/account" className="block rounded-md px-3 py-2 hover:bg-slate-100" onClick={() => setMenuOpen(false)}>
        <span className="block truncate text-sm font-medium text-slate-900">{user.name}</span>
        <span className="block truncate text-xs text-slate-500">{user.roleLabel}</span>
      </Link>
      <button
        type="button"
        onClick={() => void signOut({ callbackUrl: "/signin" })}
        className="mt-1 w-full rounded-md px-3 py-2 text-left text-sm text-slate-600 hover:bg-slate-100"
      >
        Sign out
      </button>
    </div>
  );

  return (
    <div className="min-h-screen lg:flex">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2"
      >
        Skip to content
      </a>
      <header className="flex items-center justify-between border-b border-slate-200 bg-white px-4 py-3 lg:hidden">
        <Logo />
        <div className="flex items-center gap-2">
          <NotificationBell align="right" />
          <button
            type="button"
            className="rounded-md px-3 py-2 text-sm font-medium ring-1 ring-slate-300"
            aria-expanded={menuOpen}
            aria-controls="mobile-nav"
            onClick={() => setMenuOpen((open) => !open)}
          >
            {menuOpen ? "Close menu" : "Menu"}
          </button>
        </div>
      </header>
      {menuOpen && (
        <nav id="mobile-nav" aria-label="Main" className="border-b border-slate-200 bg-white p-4 lg:hidden">
          {links}
          <div className="mt-4">{account}</div>
        </nav>
      )}
      <aside className="hidden w-60 shrink-0 flex-col justify-between border-r border-slate-200 bg-white p-4 lg:flex lg:min-h-screen lg:sticky lg:top-0 lg:z-30 lg:h-screen">
        <div>
          <div className="mb-6 flex items-center justify-between pl-3 pt-1">
            <Logo />
            <NotificationBell />
          </div>
          <nav aria-label="Main">{links}</nav>
        </div>
        {account}
      </aside>
      <main id="main" className="min-w-0 flex-1 px-4 py-6 sm:px-8 lg:py-10">
        <div className="mx-auto max-w-6xl">{children}</div>
      </main>
    </div>
  );
}

function Logo() {
  return (
    <Link href="/" className="flex items-center gap-2 font-semibold text-slate-900">
      <span aria-hidden className="grid size-7 place-items-center rounded-md bg-brand-600 text-sm text-white">
        P
      </span>
      Provisio
    </Link>
  );
}

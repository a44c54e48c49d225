import type { ReactNode } from "react";

/** Simple line icons for a template's `metadata.icon`, falling back to one per category. */
const icons: Record<string, ReactNode> = {
  globe: (
    <>
      <circle cx="12" cy="12" r="9" />
      <ellipse cx="12" cy="12" rx="4" ry="9" />
      <path d="M3 12h18M4.5 7.5h15M4.5 16.5h15" />
    </>
  ),
  database: (
    <>
      <ellipse cx="12" cy="5.5" rx="7.5" ry="2.5" />
      <path d="M4.5 5.5v13c0 1.4 3.4 2.5 7.5 2.5s7.5-1.1 7.5-2.5v-13" />
      <path d="M4.5 12c0 1.4 3.4 2.5 7.5 2.5s7.5-1.1 7.5-2.5" />
    </>
  ),
  cpu: (
    <>
      <rect x="6" y="6" width="12" height="12" rx="1.5" />
      <rect x="9.5" y="9.5" width="5" height="5" />
      <path d="M9 3v3M15 3v3M9 18v3M15 18v3M3 9h3M3 15h3M18 9h3M18 15h3" />
    </>
  ),
  server: (
    <>
      <rect x="4" y="4" width="16" height="7" rx="1.5" />
      <rect x="4" y="13" width="16" height="7" rx="1.5" />
      <path d="M7.5 7.5h.01M7.5 16.5h.01M11 7.5h5M11 16.5h5" />
    </>
  ),
  box: (
    <>
      <path d="M12 3 20 7.5v9L12 21l-8-4.5v-9L12 3Z" />
      <path d="M4 7.5 12 12l8-4.5M12 12v9" />
    </>
  ),
  terminal: (
    <>
      <rect x="3" y="4.5" width="18" height="15" rx="2" />
      <path d="m7 9.5 3 2.5-3 2.5M12.5 15H17" />
    </>
  ),
  layers: (
    <>
      <path d="m12 3.5 9 4.5-9 4.5L3 8l9-4.5Z" />
      <path d="m3 12 9 4.5 9-4.5M3 16l9 4.5 9-4.5" />
    </>
  ),
  shield: (
    <>
      <path d="M12 3 19.5 6v5.5c0 4.5-3.2 8-7.5 9.5-4.3-1.5-7.5-5-7.5-9.5V6L12 3Z" />
      <path d="m9 12 2 2 4-4" />
    </>
  ),
  cloud: <path d="M7 18.5a4.5 4.5 0 0 1-.6-8.96A6 6 0 0 1 18 9a4.75 4.75 0 0 1-.5 9.5H7Z" />,
  key: (
    <>
      <circle cx="8" cy="15" r="4" />
      <path d="m11 12 8.5-8.5M16 7l2.5 2.5M14 9l2 2" />
    </>
  ),
  message: <path d="M4 5.5h16v10H9.5L5 19.5v-4H4v-10Z" />,
  network: (
    <>
      <rect x="9.5" y="3" width="5" height="5" rx="1" />
      <rect x="3" y="16" width="5" height="5" rx="1" />
      <rect x="16" y="16" width="5" height="5" rx="1" />
      <path d="M12 8v4M5.5 16v-4h13v4" />
    </>
  ),
};

const aliases: Record<string, string> = {
  gpu: "cpu",
  chip: "cpu",
  postgres: "database",
  storage: "box",
  package: "box",
  bucket: "box",
  kubernetes: "layers",
  cluster: "layers",
  lock: "shield",
  bastion: "shield",
  ci: "terminal",
  runner: "terminal",
  queue: "message",
  web: "globe",
};

const categoryIcons: Record<string, string> = {
  compute: "server",
  database: "database",
  network: "network",
  storage: "box",
  ml: "cpu",
  ci: "terminal",
  kubernetes: "layers",
  security: "shield",
  messaging: "message",
  web: "globe",
};

export function TemplateIcon({ icon, category, size = "md" }: { icon: string | null; category: string; size?: "md" | "lg" }) {
  const key = (icon && (icons[icon] ? icon : aliases[icon])) || categoryIcons[category] || "box";
  const box = size === "lg" ? "size-12 rounded-xl" : "size-10 rounded-lg";
  const glyph = size === "lg" ? "size-7" : "size-6";
  return (
    <span aria-hidden className={`grid shrink-0 place-items-center bg-brand-50 text-brand-700 ring-1 ring-inset ring-brand-100 ${box}`}>
      <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" className={glyph}>
        {icons[key] ?? icons.box}
      </svg>
    </span>
  );
}

export const headlessShell: string;
export const fullChromium: string;
export function chromiumPath(): string;
export function ensureChromium(): string | null;

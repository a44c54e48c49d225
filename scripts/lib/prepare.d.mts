export const root: string;
export function ensureDependencies(): void;
export function ensureBuild(): void;
export function sourceHash(): string;

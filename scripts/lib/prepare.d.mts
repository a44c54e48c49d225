import type { Progress } from "./progress.mjs";
export const root: string;
export const logDir: string;
export function ensureDependencies(progress?: Progress): Promise<void> | void;
export function ensureBuild(progress?: Progress): Promise<void> | void;
export function sourceHash(): string;

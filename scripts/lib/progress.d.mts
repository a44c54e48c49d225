export type Step = { note(text: string): void; done(detail?: string): void; fail(detail?: string): void };
export type Progress = { tty: boolean; step(label: string): Step; line(text: string): void };
export function formatElapsed(ms: number): string;
export function createProgress(options?: { out?: NodeJS.WritableStream; tty?: boolean; now?: () => number }): Progress;

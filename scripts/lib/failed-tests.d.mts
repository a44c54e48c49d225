export function failedTests(unitReport: unknown, e2eReport: unknown, root: string): string[];

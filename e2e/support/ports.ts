/** Fixed ports so the Playwright config, the stack and the OIDC redirect URI agree. */
export const E2E_PORT = Number(process.env.E2E_PORT ?? 3100);
export const E2E_IDP_PORT = Number(process.env.E2E_IDP_PORT ?? 3101);

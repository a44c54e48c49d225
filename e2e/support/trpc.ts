/** tRPC over HTTP as a signed-in browser context (the superjson envelope), for journey set-up and checks. */
import { expect, type APIRequestContext } from "@playwright/test";

type Answer<T> = { result: { data: { json: T } } };

export async function trpcQuery<T>(request: APIRequestContext, path: string, input?: unknown): Promise<T> {
  const query = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
  const response = await request.get(`/api/trpc/${path}${query}`);
  expect(response.ok(), `${path}: ${await response.text()}`).toBe(true);
  return ((await response.json()) as Answer<T>).result.data.json;
}

export async function trpcMutation<T>(request: APIRequestContext, path: string, input: unknown): Promise<T> {
  const response = await request.post(`/api/trpc/${path}`, { data: { json: input } });
  expect(response.ok(), `${path}: ${await response.text()}`).toBe(true);
  return ((await response.json()) as Answer<T>).result.data.json;
}

/** A query, or with `post` a mutation. */
export function trpc<T>(request: APIRequestContext, path: string, input?: unknown, method: "get" | "post" = "get"): Promise<T> {
  return method === "post" ? trpcMutation<T>(request, path, input) : trpcQuery<T>(request, path, input);
}

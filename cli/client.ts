/** The HTTP side of the CLI: JSON calls to /api/v1 with the token, problem+json as errors, and the run log over SSE. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field: string | null = null,
  ) {
    super(message);
  }
}

export type Client = ReturnType<typeof createClient>;

export function createClient(baseUrl: string, token: string) {
  const root = baseUrl.replace(/\/+$/, "") + "/api/v1";
  async function call<T>(
    method: "GET" | "POST",
    path: string,
    options: { body?: unknown; query?: Record<string, string | number | undefined>; headers?: Record<string, string> } = {},
  ): Promise<T> {
    const url = new URL(root + path);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: "application/json",
          ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
          ...options.headers,
        },
        body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
      });
    } catch (error) {
      throw new ApiError(0, `Cannot reach ${baseUrl}: ${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}`);
    }
    const text = await response.text();
    if (!response.ok) {
      let detail = text || response.statusText;
      let field: string | null = null;
      try {
        const problem = JSON.parse(text) as { detail?: string; field?: string | null; errors?: Record<string, string[]> };
        detail = problem.detail ?? detail;
        field = problem.field ?? null;
      } catch {
        // not problem+json (a proxy's page): keep the text
      }
      throw new ApiError(response.status, detail, field);
    }
    const type = response.headers.get("content-type") ?? "";
    return (type.includes("json") ? JSON.parse(text) : text) as T;
  }

  /** Follows a run's log as server-sent events; calls onLine per line; resolves with the final status. */
  async function followRun(
    runId: string,
    onLine: (line: { at: string; level: string; message: string }) => void,
  ): Promise<{ status: string; error: string | null }> {
    let lastId = 0;
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(`${root}/runs/${runId}/log?after=${lastId}`, {
        headers: { authorization: `Bearer ${token}`, accept: "text/event-stream", ...(lastId ? { "last-event-id": String(lastId) } : {}) },
      });
      if (!response.ok || !response.body) throw new ApiError(response.status, `Cannot follow run ${runId}: ${await response.text()}`);
      const decoder = new TextDecoder();
      let buffer = "";
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          const id = /^id: (\d+)$/m.exec(block)?.[1];
          if (id) lastId = Number(id);
          if (!data) continue;
          if (event === "log") onLine(JSON.parse(data) as { at: string; level: string; message: string });
          if (event === "end") return JSON.parse(data) as { status: string; error: string | null };
        }
      }
      // The stream closed without `end` (a proxy timeout): resume after the last line.
      if (attempt > 100) throw new ApiError(0, `Lost the log stream of run ${runId}.`);
    }
  }

  return { call, followRun, baseUrl };
}

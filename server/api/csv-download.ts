/**
 * What the CSV export routes share: a JSON error answer, and a download streamed from an async
 * generator of CSV chunks (pulled as the client reads, so a large export never sits in memory;
 * a client that goes away stops the generator and its database reads).
 */
import { logger } from "~/server/logger";

export const jsonAnswer = (status: number, body: Record<string, unknown>) =>
  Response.json(body, { status, headers: { "cache-control": "no-store" } });

export function csvDownload(
  chunks: AsyncGenerator<string, void, unknown>,
  input: { filename: string; what: string; viewerId: string; headers?: Record<string, string> },
): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (error) {
        logger.error({ err: error, viewer: input.viewerId }, `${input.what} failed`);
        controller.error(error);
      }
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
  return new Response(body, {
    status: 200,
    headers: {
      "content-type": "text/csv; charset=utf-8; header=present",
      "content-disposition": `attachment; filename="${input.filename}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      ...input.headers,
    },
  });
}

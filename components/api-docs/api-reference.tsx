import { exampleOf, rowsOf, type Row, type Schema } from "./schema";

type Parameter = { name: string; in: "path" | "query" | "header"; required: boolean; description?: string; schema: Schema };
type Operation = {
  operationId: string;
  tags: string[];
  summary: string;
  description?: string;
  "x-required-scope": string;
  parameters: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
};
export type OpenApiDocument = {
  info: { title: string; version: string; description: string };
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, Operation>>;
};

const methodTone: Record<string, string> = { get: "bg-sky-100 text-sky-900", post: "bg-emerald-100 text-emerald-900" };

function SchemaTable({ rows, caption }: { rows: Row[]; caption: string }) {
  if (rows.length === 0) return <p className="text-sm text-slate-600">No fields documented (free-form).</p>;
  return (
    <div className="overflow-x-auto" tabIndex={0} role="region" aria-label={caption}>
      <table className="w-full text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <th scope="col" className="py-1 pr-3 font-medium">
              Field
            </th>
            <th scope="col" className="py-1 pr-3 font-medium">
              Type
            </th>
            <th scope="col" className="py-1 pr-3 font-medium">
              Required
            </th>
            <th scope="col" className="py-1 font-medium">
              Notes
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 align-top">
          {rows.map((r) => (
            <tr key={r.name}>
              <td className="py-1 pr-3 font-mono text-xs" style={{ paddingLeft: `${r.depth}rem` }}>
                {r.name}
              </td>
              <td className="py-1 pr-3 font-mono text-xs break-all">{r.type}</td>
              <td className="py-1 pr-3">{r.required ? "yes" : "no"}</td>
              <td className="py-1 text-slate-700">{r.notes}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function curlOf(method: string, path: string, op: Operation): string {
  const query = op.parameters.filter((p) => p.in === "query" && p.required);
  const url = `"$PROVISIO_URL/api/v1${path}${query.length ? "?" + query.map((p) => `${p.name}=…`).join("&") : ""}"`;
  const lines = [`curl -X ${method.toUpperCase()} ${url}`, `  -H "Authorization: Bearer $PROVISIO_TOKEN"`];
  if (op.parameters.some((p) => p.name === "Idempotency-Key")) lines.push(`  -H "Idempotency-Key: $(uuidgen)"`);
  const body = op.requestBody?.content["application/json"]?.schema;
  if (body) lines.push(`  -H "Content-Type: application/json"`, `  -d '${JSON.stringify(exampleOf(body))}'`);
  return lines.join(" \\\n");
}

const anchor = (id: string) => `op-${id}`;

/** The API reference, rendered from the OpenAPI document: operations by tag, parameters, bodies, answers and a curl line each. */
export function ApiReference({ document }: { document: OpenApiDocument }) {
  const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op })),
  );
  return (
    <div className="grid gap-8 lg:grid-cols-[14rem_1fr]">
      <nav aria-label="API operations" className="text-sm lg:sticky lg:top-4 lg:self-start">
        {document.tags.map((tag) => (
          <div key={tag.name} className="mb-3">
            <a href={`#tag-${tag.name}`} className="font-semibold text-slate-900 hover:underline">
              {tag.name}
            </a>
            <ul className="mt-1 space-y-0.5">
              {operations
                .filter((o) => o.op.tags.includes(tag.name))
                .map((o) => (
                  <li key={o.op.operationId}>
                    <a href={`#${anchor(o.op.operationId)}`} className="text-brand-700 hover:underline">
                      {o.op.summary}
                    </a>
                  </li>
                ))}
            </ul>
          </div>
        ))}
        <a href="/api/v1/openapi.json" className="font-medium text-brand-700 hover:underline">
          openapi.json
        </a>
      </nav>
      <div className="min-w-0 space-y-10">
        {document.tags.map((tag) => (
          <section key={tag.name} aria-labelledby={`tag-${tag.name}`}>
            <h2 id={`tag-${tag.name}`} className="text-xl font-semibold text-slate-900">
              {tag.name}
            </h2>
            <p className="text-sm text-slate-600">{tag.description}</p>
            <div className="mt-4 space-y-6">
              {operations
                .filter((o) => o.op.tags.includes(tag.name))
                .map(({ path, method, op }) => (
                  <article key={op.operationId} aria-labelledby={anchor(op.operationId)} className="rounded-lg border border-slate-200 bg-white p-4">
                    <h3 id={anchor(op.operationId)} className="flex flex-wrap items-center gap-2 text-base font-semibold">
                      <span className={`rounded px-2 py-0.5 font-mono text-xs uppercase ${methodTone[method] ?? "bg-slate-100"}`}>{method}</span>
                      <code className="break-all font-mono text-sm">/api/v1{path}</code>
                    </h3>
                    <p className="mt-1 text-sm text-slate-800">{op.summary}</p>
                    {op.description && <p className="mt-1 text-sm text-slate-600">{op.description}</p>}
                    <p className="mt-1 text-xs text-slate-600">
                      Token scope: <strong>{op["x-required-scope"]}</strong>
                    </p>
                    {op.parameters.length > 0 && (
                      <>
                        <h4 className="mt-3 text-sm font-semibold">Parameters</h4>
                        <SchemaTable
                          caption={`Parameters of ${op.summary}`}
                          rows={op.parameters.map((p) => ({
                            name: `${p.name} (${p.in})`,
                            depth: 0,
                            type: rowsOf({ properties: { x: p.schema } })[0]?.type ?? "string",
                            required: p.required,
                            notes: [p.description, rowsOf({ properties: { x: p.schema } })[0]?.notes].filter(Boolean).join("; "),
                          }))}
                        />
                      </>
                    )}
                    {op.requestBody?.content["application/json"] && (
                      <>
                        <h4 className="mt-3 text-sm font-semibold">Request body (JSON)</h4>
                        <SchemaTable caption={`Request body of ${op.summary}`} rows={rowsOf(op.requestBody.content["application/json"].schema)} />
                      </>
                    )}
                    <h4 className="mt-3 text-sm font-semibold">Responses</h4>
                    <ul className="mt-1 space-y-1 text-sm">
                      {Object.entries(op.responses).map(([status, r]) => (
                        <li key={status}>
                          <details>
                            <summary className="cursor-pointer">
                              <span className="font-mono font-semibold">{status}</span> {Object.keys(r.content ?? {}).join(", ")} — {r.description}
                            </summary>
                            {Object.entries(r.content ?? {}).map(([type, c]) =>
                              type === "application/json" ? (
                                <SchemaTable key={type} caption={`${status} answer of ${op.summary}`} rows={rowsOf(c.schema)} />
                              ) : type === "application/problem+json" ? (
                                <p key={type} className="text-slate-600">
                                  RFC 9457 problem details: type, title, status, detail, and the field at fault.
                                </p>
                              ) : null,
                            )}
                          </details>
                        </li>
                      ))}
                    </ul>
                    <h4 className="mt-3 text-sm font-semibold">Example</h4>
                    <pre
                      tabIndex={0}
                      aria-label={`curl example of ${op.summary}`}
                      className="mt-1 overflow-x-auto rounded bg-slate-900 p-3 text-xs text-slate-100"
                    >
                      {curlOf(method, path, op)}
                    </pre>
                  </article>
                ))}
            </div>
          </section>
        ))}
      </div>
    </div>
  );
}

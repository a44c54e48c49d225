import { Badge } from "~/components/ui/page";
import type { TemplateDocument } from "~/server/templates/format";

/** What an environment made from the template reports back; secrets are shown masked there. */
export function OutputsTable({ outputs }: { outputs: TemplateDocument["spec"]["outputs"] }) {
  if (outputs.length === 0) return <p className="text-sm text-slate-600">This template has no outputs.</p>;
  return (
    <table className="w-full text-left text-sm">
      <caption className="sr-only">Outputs</caption>
      <thead className="text-xs uppercase text-slate-500">
        <tr>
          <th scope="col" className="pb-2 pr-4 font-medium">
            Output
          </th>
          <th scope="col" className="pb-2 font-medium">
            Description
          </th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100 align-top">
        {outputs.map((o) => (
          <tr key={o.name}>
            <th scope="row" className="py-2.5 pr-4 font-normal">
              <code className="font-mono text-xs text-slate-900">{o.name}</code>
            </th>
            <td className="py-2.5">
              <span className="mr-2 text-slate-700">{o.title ?? ""}</span>
              {o.sensitive && (
                <span title="A secret: stored encrypted and shown masked">
                  <Badge tone="amber">secret</Badge>
                </span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

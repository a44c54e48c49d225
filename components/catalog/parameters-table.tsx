import type { ReactNode } from "react";
import { defaultMaxLength, type ParameterSpec } from "~/server/schemas/template-parameters";

function AllowedValues({ p }: { p: ParameterSpec }): ReactNode {
  if (p.type === "boolean") return "yes or no";
  if (p.enum) {
    return (
      <span className="flex flex-wrap gap-1">
        <span className="sr-only">One of: </span>
        {p.enum.map((v) => (
          <code key={String(v)} className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-800">
            {v}
          </code>
        ))}
      </span>
    );
  }
  if (p.type === "integer" || p.type === "number") {
    const kind = p.type === "integer" ? "whole number" : "number";
    if (p.minimum !== undefined && p.maximum !== undefined) return `${p.minimum} to ${p.maximum}`;
    if (p.minimum !== undefined) return `at least ${p.minimum}`;
    if (p.maximum !== undefined) return `at most ${p.maximum}`;
    return `any ${kind}`;
  }
  const max = p.maxLength ?? defaultMaxLength;
  const length = p.minLength ? `${p.minLength}–${max} characters` : `up to ${max} characters`;
  if (p.patternHelp) return p.patternHelp;
  if (p.pattern) {
    return (
      <>
        {length}, matching <code className="break-all font-mono text-xs">{p.pattern}</code>
      </>
    );
  }
  return `text, ${length}`;
}

function DefaultValue({ p }: { p: ParameterSpec }) {
  if (p.default === undefined) {
    return p.required ? <span className="text-amber-800">none, you choose</span> : <span className="text-slate-500">none</span>;
  }
  const text = typeof p.default === "boolean" ? (p.default ? "yes" : "no") : String(p.default);
  return <span className="font-mono text-xs text-slate-900">{text}</span>;
}

/** What a requester fills in: each parameter with its type, default, allowed values and unit. */
export function ParametersTable({ parameters }: { parameters: readonly ParameterSpec[] }) {
  if (parameters.length === 0) return <p className="text-sm text-slate-600">This template takes no parameters.</p>;
  return (
    <table className="w-full text-left text-sm">
      <caption className="sr-only">Parameters</caption>
      <thead className="text-xs uppercase text-slate-500">
        <tr>
          <th scope="col" className="pb-2 pr-4 font-medium">
            Parameter
          </th>
          <th scope="col" className="hidden pb-2 pr-4 font-medium md:table-cell">
            Type
          </th>
          <th scope="col" className="hidden pb-2 pr-4 font-medium sm:table-cell">
            Default
          </th>
          <th scope="col" className="hidden pb-2 pr-4 font-medium sm:table-cell">
            Allowed values
          </th>
          <th scope="col" className="hidden pb-2 pr-4 font-medium sm:table-cell">
            Unit
          </th>
          <th scope="col" className="hidden pb-2 font-medium sm:table-cell">
            Required
          </th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100 align-top">
        {parameters.map((p) => (
          <tr key={p.name}>
            <th scope="row" className="py-3 pr-4 font-normal">
              <span className="block font-medium text-slate-900">{p.title}</span>
              <code className="block font-mono text-xs text-slate-500">{p.name}</code>
              {p.help && <span className="mt-1 block max-w-md text-xs text-slate-600">{p.help}</span>}
              {/* Small screens: the other columns, as a short list under the name. */}
              <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-xs sm:hidden">
                <dt className="text-slate-500">Type</dt>
                <dd className="font-mono">{p.type}</dd>
                <dt className="text-slate-500">Default</dt>
                <dd>
                  <DefaultValue p={p} />
                </dd>
                <dt className="text-slate-500">Allowed</dt>
                <dd>
                  <AllowedValues p={p} />
                </dd>
                {p.unit && (
                  <>
                    <dt className="text-slate-500">Unit</dt>
                    <dd>{p.unit}</dd>
                  </>
                )}
                <dt className="text-slate-500">Required</dt>
                <dd>{p.required ? "yes" : "no"}</dd>
              </dl>
            </th>
            <td className="hidden py-3 pr-4 font-mono text-xs text-slate-700 md:table-cell">{p.type}</td>
            <td className="hidden py-3 pr-4 sm:table-cell">
              <DefaultValue p={p} />
            </td>
            <td className="hidden py-3 pr-4 text-slate-700 sm:table-cell">
              <AllowedValues p={p} />
            </td>
            <td className="hidden py-3 pr-4 text-slate-700 sm:table-cell">{p.unit ?? <span className="text-slate-400">–</span>}</td>
            <td className="hidden py-3 sm:table-cell">{p.required ? "yes" : "no"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

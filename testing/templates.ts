import { randomBytes } from "node:crypto";
import { stringify } from "yaml";
import type { TemplateDocument } from "~/server/templates/format";

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };

export const uniqueTemplateName = (prefix = "tpl") => `${prefix}-${randomBytes(3).toString("hex")}`;

/** A small valid sim template: one instance with a size parameter. */
export function templateDocumentFor(name: string, version = "1.0.0"): TemplateDocument {
  return {
    apiVersion: "provisio.dev/v1",
    kind: "Template",
    metadata: {
      name,
      title: "Test box",
      description: "A single virtual machine for tests.",
      category: "compute",
      owner: "Platform team",
      tags: ["test"],
    },
    spec: {
      version,
      engine: "sim",
      tiers: ["dev", "prod"],
      parameters: [
        {
          name: "instance_type",
          title: "Instance type",
          type: "string",
          enum: ["t3.micro", "t3.small", "m5.large"],
          default: "t3.small",
          required: true,
        },
        { name: "disk_gb", title: "Disk", type: "integer", minimum: 10, maximum: 200, default: 20, required: true, unit: "GB" },
        { name: "owner_note", title: "Note", type: "string", maxLength: 40, required: false },
      ],
      resources: [
        { id: "net", type: "network", properties: { region: "us-east-1", cidr: "10.0.0.0/16" } },
        { id: "subnet", type: "subnet", properties: { region: "us-east-1", network: "${resources.net.id}", cidr: "10.0.1.0/24" } },
        {
          id: "box",
          type: "instance",
          properties: {
            region: "us-east-1",
            instance_type: "${params.instance_type}",
            image: "debian-12",
            subnet: "${resources.subnet.id}",
            disk_gb: "${params.disk_gb}",
          },
        },
      ],
      outputs: [{ name: "ip", value: "${resources.box.private_ip}", sensitive: false }],
      policy: {
        ttl: { dev: { default: "3d", max: "14d" }, prod: { default: "30d", max: "365d" } },
        approvals: { dev: [], prod: [{ from: "team_approver", count: 2 }] },
        tags: { service: "${params.instance_type}" },
        requiredTags: ["cost-center", "service"],
        onFailure: "cleanup",
      },
    },
  };
}

function merge(base: unknown, patch: unknown): unknown {
  if (patch === undefined) return base;
  if (patch && typeof patch === "object" && !Array.isArray(patch) && base && typeof base === "object" && !Array.isArray(base)) {
    const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [k, v] of Object.entries(patch)) out[k] = merge(out[k], v);
    return out;
  }
  return patch;
}

export function templateYaml(name: string, version = "1.0.0", patch: DeepPartial<TemplateDocument> = {}): string {
  return stringify(merge(templateDocumentFor(name, version), patch));
}

/**
 * The terraform engine's resource types. Templates use Terraform's built-in `terraform_data`
 * resource or a local module (`module/` beside template.yaml), so they run without downloading
 * providers; each says which price-list sku it bills as.
 */
import { z } from "zod";
import { num, str } from "../properties";
import type { ResourceTypeDefinition } from "../types";
import priceList from "./price-list.json";

const skus = Object.keys(priceList.skus);
const sku = z.enum(skus as [string, ...string[]], { error: `must be a sku of the terraform price list: ${skus.join(", ")}` });
const billing = {
  sku: sku.default("free"),
  quantity: z.number().int().min(0).max(1_000_000).default(1),
};
const region = z.enum(Object.keys(priceList.regions) as [string, ...string[]], {
  error: `must be one of ${Object.keys(priceList.regions).join(", ")}`,
});

const cost = (p: Record<string, unknown>) => [{ sku: str(p.sku) ?? "free", quantity: num(p.quantity, 1) }];
/** "5 × SQS standard requests (million requests-month)", from the price list's own titles. */
const describeSize = (p: Record<string, unknown>) => {
  const entry = priceList.skus[(str(p.sku) ?? "free") as keyof typeof priceList.skus];
  return entry && p.sku !== "free" ? `${num(p.quantity, 1)} × ${entry.title} (${entry.unit})` : null;
};

const definitions: ResourceTypeDefinition[] = [
  {
    type: "terraform_data",
    title: "Terraform data resource",
    properties: z.strictObject({ region: region.optional(), input: z.record(z.string(), z.unknown()).default({}), ...billing }),
    attributes: ["id", "output"],
    describeSize,
    cost,
  },
  {
    type: "module",
    title: "Terraform module (local)",
    properties: z.strictObject({
      region: region.optional(),
      source: z.literal("./module", { error: 'must be "./module": modules live in the template\'s module/ folder' }),
      inputs: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, "input names are lowercase identifiers"), z.unknown()).default({}),
      ...billing,
    }),
    attributes: ["*"],
    describeSize,
    cost,
  },
];

export const terraformResourceTypes: Record<string, ResourceTypeDefinition> = Object.fromEntries(definitions.map((d) => [d.type, d]));
export { priceList as terraformPriceList };

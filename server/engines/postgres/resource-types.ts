/** The postgres engine: real databases and roles on Provisio's PostgreSQL server (or a configured one). */
import { z } from "zod";
import { num, orRef, str } from "../properties";
import type { ResourceTypeDefinition } from "../types";
import priceList from "./price-list.json";

const identifier = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, "must be a lowercase identifier: letters, digits, '_' (at most 63)");
/** Extensions a developer may ask for; anything else needs a superuser and is refused. */
export const allowedExtensions = ["pgcrypto", "citext", "pg_trgm", "hstore", "uuid-ossp", "btree_gin", "btree_gist", "tablefunc"] as const;

const definitions: ResourceTypeDefinition[] = [
  {
    type: "role",
    immutable: ["name"],
    title: "Database role",
    properties: z.strictObject({
      name: orRef(identifier),
      login: z.boolean().default(true),
      connection_limit: z.number().int().min(1).max(100).default(10),
      read_only: z.boolean().default(false),
    }),
    attributes: ["name", "password"],
    sensitiveAttributes: ["password"],
    describeSize: (p) => `${num(p.connection_limit, 10)} connections`,
    cost: () => [],
  },
  {
    type: "database",
    immutable: ["region", "name"],
    stateful: true,
    title: "PostgreSQL database",
    properties: z.strictObject({
      region: z.literal("local").default("local"),
      name: orRef(identifier),
      owner: orRef(identifier),
      size_class: z.enum(["micro", "small", "medium"], { error: "must be micro, small or medium" }),
      storage_gb: z.number().int().min(1, "at least 1 GB").max(500, "at most 500 GB"),
      extensions: z
        .array(z.enum(allowedExtensions, { error: `must be one of ${allowedExtensions.join(", ")}` }))
        .max(8)
        .default([]),
      statement_timeout_seconds: z.number().int().min(1).max(3600).default(60),
    }),
    attributes: ["name", "host", "port", "connection_string"],
    sensitiveAttributes: ["connection_string"],
    describeSize: (p) => `${str(p.size_class)}, ${num(p.storage_gb)} GB`,
    cost: (p) => [
      { sku: `database.${str(p.size_class) ?? "micro"}`, quantity: 1 },
      { sku: "storage.gp2", quantity: num(p.storage_gb) },
    ],
  },
];

export const postgresResourceTypes: Record<string, ResourceTypeDefinition> = Object.fromEntries(definitions.map((d) => [d.type, d]));
export { priceList as postgresPriceList };

/**
 * How the terraform engine is configured, and which CLI it runs. The binary is
 * PROVISIO_TERRAFORM_BIN (a path, or a name looked up on PATH), else `tofu`, else `terraform` on
 * PATH. Without one, terraform templates are shown as unavailable in the catalog and refused on
 * submit, instead of failing at run time.
 */
import { accessSync, constants, statSync } from "node:fs";
import path from "node:path";
import { envVar, type RuntimeEnv } from "~/server/env";

export type TerraformSettings = {
  /** PROVISIO_TERRAFORM_BIN as configured (a path or a name), if any. */
  binary?: string;
  /** One working directory per environment below it, plus previews/ and plugin-cache/. */
  workDir: string;
  /** The database that holds state (pg backend); never logged. */
  stateUrl: string;
  stateSchema: string;
  lockTimeoutSeconds: number;
  providerMirror?: string;
  pluginCacheDir?: string;
  /** The operator's own CLI configuration (TF_CLI_CONFIG_FILE), used as is when it exists. */
  cliConfigFile?: string;
};

export function terraformSettingsFromEnv(
  env: Pick<
    RuntimeEnv,
    | "DATABASE_URL"
    | "PROVISIO_DATA_DIR"
    | "PROVISIO_TERRAFORM_BIN"
    | "PROVISIO_TERRAFORM_WORK_DIR"
    | "PROVISIO_TERRAFORM_STATE_URL"
    | "PROVISIO_TERRAFORM_STATE_SCHEMA"
    | "PROVISIO_TERRAFORM_LOCK_TIMEOUT"
    | "PROVISIO_TERRAFORM_PROVIDER_MIRROR"
    | "PROVISIO_TERRAFORM_PLUGIN_CACHE"
    | "TF_CLI_CONFIG_FILE"
  >,
): TerraformSettings {
  // These folders are runtime data, not build inputs: `turbopackIgnore` keeps `next build` from
  // tracing (and shipping) the whole project for a path it cannot know.
  return {
    binary: env.PROVISIO_TERRAFORM_BIN,
    workDir: path.resolve(/* turbopackIgnore: true */ env.PROVISIO_TERRAFORM_WORK_DIR ?? path.join(env.PROVISIO_DATA_DIR, "terraform")),
    stateUrl: env.PROVISIO_TERRAFORM_STATE_URL ?? env.DATABASE_URL,
    stateSchema: env.PROVISIO_TERRAFORM_STATE_SCHEMA,
    lockTimeoutSeconds: env.PROVISIO_TERRAFORM_LOCK_TIMEOUT,
    providerMirror: env.PROVISIO_TERRAFORM_PROVIDER_MIRROR
      ? path.resolve(/* turbopackIgnore: true */ env.PROVISIO_TERRAFORM_PROVIDER_MIRROR)
      : undefined,
    pluginCacheDir: env.PROVISIO_TERRAFORM_PLUGIN_CACHE ? path.resolve(/* turbopackIgnore: true */ env.PROVISIO_TERRAFORM_PLUGIN_CACHE) : undefined,
    cliConfigFile: env.TF_CLI_CONFIG_FILE,
  };
}

export type BinaryLocation = { ok: true; path: string; flavor: "terraform" | "tofu" } | { ok: false; reason: string };

const missingMessage = "no terraform or tofu binary on PATH: install Terraform (1.4 or newer) or OpenTofu, or set PROVISIO_TERRAFORM_BIN";

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string, pathEnv: string | undefined): string | null {
  for (const dir of (pathEnv ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (executable(candidate)) return candidate;
  }
  return null;
}

const flavorOf = (file: string): "terraform" | "tofu" => (path.basename(file).startsWith("tofu") ? "tofu" : "terraform");

/** Finds the CLI without running it (cheap enough for every catalog page). */
export function locateBinary(configured: string | undefined, pathEnv: string | undefined = envVar("PATH")): BinaryLocation {
  if (configured) {
    const found =
      configured.includes("/") || configured.includes(path.sep)
        ? executable(path.resolve(configured))
          ? path.resolve(configured)
          : null
        : onPath(configured, pathEnv);
    return found
      ? { ok: true, path: found, flavor: flavorOf(found) }
      : {
          ok: false,
          reason: `PROVISIO_TERRAFORM_BIN is "${configured}", which is not an executable file${configured.includes("/") ? "" : " on PATH"}`,
        };
  }
  for (const name of ["tofu", "terraform"]) {
    const found = onPath(name, pathEnv);
    if (found) return { ok: true, path: found, flavor: flavorOf(found) };
  }
  return { ok: false, reason: missingMessage };
}

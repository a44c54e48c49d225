/** Where `provisio login` keeps the URL and token: $PROVISIO_CONFIG, else ~/.config/provisio/config.json, readable by the user only (0600). */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

export type Config = { url: string; token: string };

export const configPath = () =>
  process.env.PROVISIO_CONFIG || join(process.env.XDG_CONFIG_HOME || join(homedir(), ".config"), "provisio", "config.json");

export function readConfig(): Partial<Config> {
  const path = configPath();
  if (!existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Partial<Config>;
  } catch {
    throw new Error(`${path} is not valid JSON: run provisio login again.`);
  }
}

export function writeConfig(config: Config): string {
  const path = configPath();
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, JSON.stringify(config, null, 2) + "\n", { mode: 0o600 });
  chmodSync(path, 0o600); // also when the file existed with wider rights
  return path;
}

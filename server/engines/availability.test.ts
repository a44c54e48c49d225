/**
 * Engine availability, one cache for the whole process: the simulator and postgres always run;
 * terraform needs a CLI, found from PROVISIO_TERRAFORM_BIN (read through server/env.ts) or PATH,
 * looked up again at most every 30 seconds so installing one needs no restart.
 */
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { engineAvailability, overrideEngineAvailability } from "./registry";

let dir: string;
let fakeCli: string;
const saved = process.env.PROVISIO_TERRAFORM_BIN;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "provisio-availability-"));
  fakeCli = path.join(dir, "tofu");
  await writeFile(fakeCli, "#!/bin/sh\nexit 0\n");
  await chmod(fakeCli, 0o755);
});

afterEach(() => {
  if (saved === undefined) delete process.env.PROVISIO_TERRAFORM_BIN;
  else process.env.PROVISIO_TERRAFORM_BIN = saved;
  overrideEngineAvailability("terraform", null);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("engine availability", () => {
  it("the simulator and postgres need nothing from the server", () => {
    expect(engineAvailability("sim")).toEqual({ available: true });
    expect(engineAvailability("postgres")).toEqual({ available: true });
  });

  it("terraform: unavailable without a CLI, naming the variable; found once it is there, after the cache's 30 seconds", () => {
    const start = Date.now();
    process.env.PROVISIO_TERRAFORM_BIN = path.join(dir, "missing", "terraform");
    overrideEngineAvailability("terraform", null); // forget what an earlier look found
    const missing = engineAvailability("terraform", start);
    expect(missing).toEqual({
      available: false,
      reason: expect.stringMatching(
        /^Terraform templates cannot run on this server: PROVISIO_TERRAFORM_BIN is ".*missing\/terraform", which is not an executable file\.$/,
      ),
    });

    process.env.PROVISIO_TERRAFORM_BIN = fakeCli;
    // Within 30 seconds the cached answer stands (the catalog asks for every template on every page)…
    expect(engineAvailability("terraform", start + 29_000)).toEqual(missing);
    // …then the CLI is found, without a restart.
    expect(engineAvailability("terraform", start + 31_000)).toEqual({ available: true });
  });

  it("a file that is not executable does not count", async () => {
    const plain = path.join(dir, "terraform-not-executable");
    await writeFile(plain, "not a program");
    process.env.PROVISIO_TERRAFORM_BIN = plain;
    overrideEngineAvailability("terraform", null);
    expect(engineAvailability("terraform")).toMatchObject({ available: false, reason: expect.stringContaining("which is not an executable file") });
  });

  it("tests can pretend, and clearing the pretence looks again", () => {
    process.env.PROVISIO_TERRAFORM_BIN = fakeCli;
    overrideEngineAvailability("terraform", { available: false, reason: "pretend" });
    expect(engineAvailability("terraform")).toEqual({ available: false, reason: "pretend" });
    overrideEngineAvailability("terraform", null);
    expect(engineAvailability("terraform")).toEqual({ available: true });
  });
});

import { describe, expect, it } from "vitest";
import { EngineError } from "~/server/engines/engine";
import { classifyFailure } from "./failure-cause";

const engine = (code: string | undefined, message = "boom", kind: "transient" | "permanent" = "permanent") =>
  new EngineError(kind, message, { code });

describe("classifyFailure", () => {
  it.each([
    // sim API codes
    [engine("RateLimited", "rate limit exceeded", "transient"), "rate_limit"],
    [engine("QuotaExceeded", "instance quota exceeded"), "quota"],
    [engine("InsufficientInstanceCapacity", "no room", "transient"), "capacity"],
    [engine("ServiceUnavailable", "region down", "transient"), "outage"],
    [engine("RequestTimeout", "lost answer", "transient"), "timeout"],
    [engine("InvalidParameter", "properties.cidr: bad"), "template"],
    // PostgreSQL SQLSTATEs and errnos
    [engine("28P01", "password authentication failed"), "auth"],
    [engine("42501", "permission denied to create role"), "auth"],
    [engine("53300", "too many connections", "transient"), "capacity"],
    [engine("08006", "connection failure", "transient"), "outage"],
    [engine("42601", "syntax error"), "template"],
    [engine("57014", "statement timeout", "transient"), "timeout"],
    [engine("ECONNREFUSED", "connection refused", "transient"), "outage"],
    // terraform: a code for the lock, messages for the rest
    [engine("state_locked", "locked", "transient"), "timeout"],
    [engine(undefined, "terraform apply failed: Invalid value for input variable: must be a number"), "template"],
    [engine(undefined, "terraform apply failed: error creating EC2 Instance: UnauthorizedOperation: You are not authorized"), "auth"],
    [engine(undefined, "terraform apply failed: Error: creating Bucket: ThrottlingException: Rate exceeded (429)"), "rate_limit"],
    [engine(undefined, "terraform apply failed: VcpuLimitExceeded: You have requested more vCPU capacity than your current vCPU limit"), "quota"],
    [engine(undefined, "terraform apply could not reach the state database: connection refused"), "outage"],
    // no verdict at all
    [engine("InternalFailure", "the simulator failed: TypeError: x is undefined"), "unknown"],
    [new Error("something odd"), "unknown"],
    ["a thrown string", "unknown"],
  ])("%s → %s", (error, cause) => {
    expect(classifyFailure(error)).toBe(cause);
  });
});

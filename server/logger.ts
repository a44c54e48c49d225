import pino from "pino";

/** Structured JSON logs. Secrets never go in; known secret-bearing keys are redacted anyway. */
export const logger = pino({
  level: process.env.LOG_LEVEL ?? "info",
  base: { service: process.env.PROVISIO_PROCESS ?? "web" },
  redact: {
    paths: ["password", "*.password", "secret", "*.secret", "token", "*.token", "authorization", "*.authorization", "connectionString"],
    censor: "[redacted]",
  },
});

import pino, { type DestinationStream, type Logger } from "pino";

/**
 * Structured JSON logs (one object per line). Secrets never go in; known secret-bearing keys are
 * redacted anyway. `destination` is for tests that read the lines; the default is stdout.
 */
export function createLogger(destination?: DestinationStream): Logger {
  const options = {
    level: process.env.LOG_LEVEL ?? "info",
    base: { service: process.env.PROVISIO_PROCESS ?? "web" },
    redact: {
      paths: ["password", "*.password", "secret", "*.secret", "token", "*.token", "authorization", "*.authorization", "connectionString"],
      censor: "[redacted]",
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

export const logger = createLogger();

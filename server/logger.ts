import pino, { type DestinationStream, type Logger } from "pino";

/**
 * Structured JSON logs (one object per line). Secrets never go in; known secret-bearing keys are
 * redacted anyway. `destination` and `level` are for tests; the default is stdout at LOG_LEVEL.
 */
export function createLogger(destination?: DestinationStream, level: string = process.env.LOG_LEVEL ?? "info"): Logger {
  const options = {
    level,
    base: { service: process.env.PROVISIO_PROCESS ?? "web" },
    redact: {
      paths: ["password", "*.password", "secret", "*.secret", "token", "*.token", "authorization", "*.authorization", "connectionString"],
      censor: "[redacted]",
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

export const logger = createLogger();

import pino, { type DestinationStream, type Logger } from "pino";
import { redactError } from "./core/redacted-error";
import { envVar } from "./env";

/**
 * Structured JSON logs (one object per line). Secrets never go in; known secret-bearing keys are
 * redacted anyway, and every logged error goes through redactError (no SQL parameter values, no
 * PostgreSQL detail). `destination` and `level` are for tests; the default is stdout at LOG_LEVEL.
 */
export function createLogger(destination?: DestinationStream, level: string = envVar("LOG_LEVEL")): Logger {
  const options = {
    level,
    base: { service: envVar("PROVISIO_PROCESS") },
    serializers: { err: (error: unknown) => pino.stdSerializers.err(redactError(error)) },
    redact: {
      paths: [
        "password",
        "*.password",
        "secret",
        "*.secret",
        "token",
        "*.token",
        "authorization",
        "*.authorization",
        "*.headers.authorization",
        "cookie",
        "*.cookie",
        "*.headers.cookie",
        "connectionString",
      ],
      censor: "[redacted]",
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

export const logger = createLogger();

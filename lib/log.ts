import { env } from "@/lib/env";
import { currentRequest } from "@/lib/telemetry/context";

// Structured logs for the app and the worker: one JSON object per line (time, level, msg, requestId,
// then the fields), or a human-readable line with LOG_FORMAT=pretty. The current request's id is added
// to every line written while serving it. Query and passage texts, passwords, keys and cookies never
// belong in a log: callers leave them out, and fields under such names are replaced as a safety net.

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const satisfies readonly LogLevel[];
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Field names whose values are never written, whoever passes them. */
const SECRET_FIELD =
  /^(authorization|cookie|set-cookie|password|secret|token|api[-_]?key|query|text|texts|passages?|documents?|candidates)$/i;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to each line (e.g. { component: "worker" }). */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  format?: "json" | "pretty";
  /** Where a finished line goes; default: stderr for warn and error, stdout otherwise. */
  write?: (line: string, level: LogLevel) => void;
  base?: LogFields;
  now?: () => Date;
}

const defaultWrite = (line: string, level: LogLevel) =>
  (RANK[level] >= RANK.warn ? process.stderr : process.stdout).write(`${line}\n`);

export function createLogger({
  level = "info",
  format = "json",
  write = defaultWrite,
  base = {},
  now = () => new Date(),
}: LoggerOptions = {}): Logger {
  const emit = (lineLevel: LogLevel, msg: string, fields: LogFields = {}) => {
    if (RANK[lineLevel] < RANK[level]) return;
    const request = currentRequest();
    const record: LogFields = {
      time: now().toISOString(),
      level: lineLevel,
      msg,
      ...(request ? { requestId: request.requestId } : {}),
      ...(request?.userId ? { userId: request.userId } : {}),
    };
    for (const [key, value] of Object.entries({ ...base, ...fields })) {
      if (value === undefined) continue;
      record[key] = SECRET_FIELD.test(key) ? "[redacted]" : serialise(value, lineLevel);
    }
    write(format === "pretty" ? pretty(record) : safeJson(record), lineLevel);
  };
  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
    child: (fields) => createLogger({ level, format, write, base: { ...base, ...fields }, now }),
  };
}

/** Errors as { name, message } (and the stack on error lines); everything else as it is. */
function serialise(value: unknown, level: LogLevel): unknown {
  if (value instanceof Error) {
    return {
      name: value.name,
      message: value.message,
      ...(level === "error" && value.stack ? { stack: value.stack } : {}),
    };
  }
  return value;
}

function safeJson(record: LogFields): string {
  try {
    return JSON.stringify(record, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  } catch {
    // A cycle or a throwing toJSON: keep the line, lose the fields.
    return JSON.stringify({ time: record.time, level: record.level, msg: record.msg, requestId: record.requestId });
  }
}

/** `<time> <LEVEL> <msg> key=value …` for reading in a terminal. */
function pretty({ time, level, msg, ...fields }: LogFields): string {
  const rest = Object.entries(fields).map(
    ([k, v]) => `${k}=${typeof v === "string" ? v : safeJson({ v }).slice(5, -1)}`,
  );
  return [String(time), String(level).toUpperCase().padEnd(5), String(msg), ...rest].join(" ");
}

/** The process's logger (LOG_LEVEL, LOG_FORMAT). */
export const log: Logger = createLogger({ level: env.LOG_LEVEL, format: env.LOG_FORMAT });

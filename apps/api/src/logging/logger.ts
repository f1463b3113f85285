import { Writable } from 'node:stream';
import type { LogLevel as NestLogLevel, LoggerService } from '@nestjs/common';
import pino, { type Logger as Pino, type DestinationStream, type Level } from 'pino';
import PinoPretty from 'pino-pretty';
import type { KinkoMode } from '../config/settings';

/**
 * Fields pino replaces with `[redacted]` wherever they appear in a log line's object (top
 * level or one level down, e.g. `req.headers.authorization`): credentials, tokens, keys,
 * challenge answers, account numbers and IBANs. Messages are Kinko's own text and never
 * quote them; this is the net under that rule.
 */
export const REDACTED_LOG_FIELDS = [
  'authorization',
  'cookie',
  'password',
  'passcode',
  'pin',
  'secret',
  'token',
  'accessToken',
  'refreshToken',
  'apiKey',
  'credentials',
  'answer',
  'otp',
  'grant',
  'masterKey',
  'accountNumber',
  'account_number',
  'iban',
] as const;

const REDACT_PATHS = [
  ...REDACTED_LOG_FIELDS,
  ...REDACTED_LOG_FIELDS.map((f) => `*.${f}`),
  ...REDACTED_LOG_FIELDS.map((f) => `*.*.${f}`),
  'req.headers["x-api-key"]',
  'headers["x-api-key"]',
];

/** Nest's levels → pino's (Nest's `log` is pino's `info`, `verbose` is `trace`). */
const PINO_LEVEL: Readonly<Record<NestLogLevel, Level>> = { fatal: 'fatal', error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' };
const NEST_LEVELS: readonly NestLogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** The Nest levels enabled at `level` and above (`log` → fatal, error, warn, log). */
export const nestLevelsUpTo = (level: NestLogLevel): NestLogLevel[] => NEST_LEVELS.slice(0, NEST_LEVELS.indexOf(level) + 1);

/**
 * Nest's start-up chatter: module initialisation and the route table (about 60 lines). Logged
 * at `debug` instead of `log`: at the default level a start prints the banner only.
 */
const QUIET_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

/** Options of {@link createLogger}. */
export interface KinkoLoggerOptions {
  /** Enabled Nest levels; `false` = silent. */
  readonly levels: false | readonly NestLogLevel[];
  readonly mode: KinkoMode;
  /** Where lines go (default process.stdout, looked up at each write so tests can capture it). */
  readonly destination?: DestinationStream;
  /** Human-readable lines: default only on a terminal in development. */
  readonly pretty?: boolean;
}

/** The process's stdout, resolved at each write (tests replace process.stdout.write). */
const stdout: DestinationStream = { write: (line: string) => void process.stdout.write(line) };

/**
 * A pino logger writing JSON lines (one object per line: `level`, `time`, `msg`, `context`
 * and the line's fields), redacting {@link REDACTED_LOG_FIELDS}; pretty-printed instead only
 * when asked or when stdout is a terminal in development.
 */
export function createLogger(options: KinkoLoggerOptions): Pino {
  const levels = options.levels === false ? [] : options.levels;
  const lowest = [...levels].sort((a, b) => NEST_LEVELS.indexOf(b) - NEST_LEVELS.indexOf(a))[0];
  const pretty = options.pretty ?? (options.mode === 'development' && process.stdout.isTTY === true);
  const destination =
    options.destination ??
    (pretty
      ? PinoPretty({
          colorize: true,
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'pid,hostname',
          // Through process.stdout as well (not a file descriptor of its own).
          destination: new Writable({ write: (chunk: Buffer, _encoding, done) => void (process.stdout.write(chunk), done()) }),
        })
      : stdout);
  return pino(
    {
      level: lowest === undefined ? 'silent' : PINO_LEVEL[lowest],
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}

/**
 * Nest's {@link LoggerService} on pino: `new Logger('Ctx').warn(...)` anywhere in the app
 * becomes one JSON line with `context: "Ctx"`. A message may be an object: its fields join
 * the line (`msg` or `message` is the text).
 */
export class PinoNestLogger implements LoggerService {
  constructor(readonly pino: Pino) {}

  log(message: unknown, ...params: unknown[]): void {
    const context = contextOf(params);
    this.write(context !== undefined && QUIET_CONTEXTS.has(context) ? 'debug' : 'info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params, true);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params, true);
  }

  private write(level: Level, message: unknown, params: unknown[], withStack = false): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const context = contextOf(params);
    const rest = context === undefined ? params : params.slice(0, -1);
    const fields: Record<string, unknown> = context === undefined ? {} : { context };
    const stack = withStack ? rest.find((p): p is string => typeof p === 'string' && p.includes('\n    at ')) : undefined;
    if (stack) fields['stack'] = stack;
    if (message instanceof Error) {
      this.pino[level]({ ...fields, err: { type: message.name, message: message.message, stack: message.stack } }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      const { msg, message: text, ...more } = message as Record<string, unknown>;
      this.pino[level]({ ...fields, ...more }, typeof msg === 'string' ? msg : typeof text === 'string' ? text : '');
    } else {
      this.pino[level](fields, String(message));
    }
  }
}

/** Nest passes the context as the last string parameter. */
const contextOf = (params: readonly unknown[]): string | undefined => {
  const last = params[params.length - 1];
  return typeof last === 'string' && !last.includes('\n') ? last : undefined;
};

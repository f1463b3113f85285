import { describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { PinoNestLogger, createLogger } from './logger';

/** A logger writing into an array of parsed lines. */
function capture(levels: Parameters<typeof createLogger>[0]['levels'] = ['fatal', 'error', 'warn', 'log']) {
  const raw: string[] = [];
  const pino = createLogger({ levels, mode: 'production', destination: { write: (line: string) => void raw.push(line) } });
  return { logger: new PinoNestLogger(pino), pino, raw, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('JSON logs (pino)', () => {
  it('writes one JSON object per line with level, time, context and message', () => {
    const { logger, lines, raw } = capture();
    logger.log('started', 'Kinko');
    logger.warn({ msg: 'login failed', connectionId: 'c-1', status: 'auth.creds.invalid', errorTag: 'InvalidCredentials' }, 'CredentialLogin');
    logger.error('boom', 'Error: boom\n    at x (file.ts:1:1)', 'Worker');
    expect(raw.every((l) => l.endsWith('\n') && l.trim().split('\n').length === 1)).toBe(true);
    expect(lines()).toEqual([
      expect.objectContaining({ level: 'info', context: 'Kinko', msg: 'started', time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) }),
      expect.objectContaining({ level: 'warn', context: 'CredentialLogin', msg: 'login failed', connectionId: 'c-1', status: 'auth.creds.invalid', errorTag: 'InvalidCredentials' }),
      expect.objectContaining({ level: 'error', context: 'Worker', msg: 'boom', stack: expect.stringContaining('at x') }),
    ]);
  });

  it('redacts credentials, tokens, answers, account numbers and IBANs wherever a line carries them', () => {
    const { pino, raw, lines } = capture();
    pino.info(
      {
        req: { headers: { authorization: 'Bearer tok-canary', cookie: 'kinko_link=cookie-canary', 'x-api-key': 'key-canary' } },
        password: 'pw-canary',
        account: { accountNumber: '1234567', iban: 'DE89370400440532013000' },
        challenge: { answer: 'answer-canary' },
        token: 'token-canary',
      },
      'with secrets',
    );
    const text = raw.join('');
    for (const secret of ['tok-canary', 'cookie-canary', 'key-canary', 'pw-canary', '1234567', 'DE89370400440532013000', 'answer-canary', 'token-canary']) expect(text).not.toContain(secret);
    expect(lines()[0]).toMatchObject({ password: '[redacted]', account: { accountNumber: '[redacted]', iban: '[redacted]' }, req: { headers: { authorization: '[redacted]' } } });
  });

  it("keeps Nest's route table and module initialisation out of the default level (debug only)", () => {
    const quiet = capture();
    quiet.logger.log('Mapped {/health, GET} route', 'RouterExplorer');
    quiet.logger.log('AppModule dependencies initialized', 'InstanceLoader');
    quiet.logger.log('Nest application successfully started', 'NestApplication');
    expect(quiet.lines().map((l) => l['msg'])).toEqual(['Nest application successfully started']);
    const verbose = capture(['fatal', 'error', 'warn', 'log', 'debug']);
    verbose.logger.log('Mapped {/health, GET} route', 'RouterExplorer');
    expect(verbose.lines()).toEqual([expect.objectContaining({ level: 'debug', msg: 'Mapped {/health, GET} route' })]);
  });

  it("Nest's Logger instances write through it once it is the app's logger; false levels are silent", () => {
    const { logger, lines } = capture();
    Logger.overrideLogger(logger);
    try {
      new Logger('SyncWorker').warn('session s-1 attempt 1/3 failed');
    } finally {
      Logger.overrideLogger(false);
    }
    expect(lines()).toEqual([expect.objectContaining({ level: 'warn', context: 'SyncWorker', msg: 'session s-1 attempt 1/3 failed' })]);
    const silent = capture(false);
    silent.logger.error('nothing');
    expect(silent.raw).toEqual([]);
  });

  it('human-readable only on a terminal in development: JSON into a file or pipe, and always in production', async () => {
    const written: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const wasTty = process.stdout.isTTY;
    process.stdout.write = ((chunk: unknown) => written.push(String(chunk)) > 0) as typeof process.stdout.write;
    try {
      process.stdout.isTTY = true;
      createLogger({ levels: ['log'], mode: 'development' }).info({ context: 'Kinko' }, 'on a terminal');
      createLogger({ levels: ['log'], mode: 'production' }).info({ context: 'Kinko' }, 'production on a terminal');
      process.stdout.isTTY = false;
      createLogger({ levels: ['log'], mode: 'development' }).info({ context: 'Kinko' }, 'into a pipe');
      await new Promise((r) => setTimeout(r, 50)); // the pretty stream writes asynchronously
    } finally {
      process.stdout.write = write;
      process.stdout.isTTY = wasTty;
    }
    const pretty = written.find((l) => l.includes('on a terminal') && !l.includes('production'));
    expect(pretty).toBeDefined();
    expect(pretty?.trimStart().startsWith('{')).toBe(false);
    expect(JSON.parse(written.find((l) => l.includes('production on a terminal')) as string)).toMatchObject({ msg: 'production on a terminal' });
    expect(JSON.parse(written.find((l) => l.includes('into a pipe')) as string)).toMatchObject({ msg: 'into a pipe', level: 'info' });
  });
});

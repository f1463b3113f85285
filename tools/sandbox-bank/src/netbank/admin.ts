/**
 * The net bank's test-only admin API, mounted under `/__sandbox` only when test hooks are
 * enabled: challenge answers for tests, and the same knobs as the programmatic handle for
 * tests that drive the sandbox from another process. No faults, no request-log entries.
 *
 *   GET    /__sandbox/state
 *   GET    /__sandbox/sessions/:id/captcha-answer      { answer } | 404
 *   GET    /__sandbox/sessions/:id/puzzle-answer       { offset } | 404
 *   PATCH  /__sandbox/faults                           partial FaultSettings
 *   POST   /__sandbox/faults/next                      { count?, status } | { count?, fault, operations? }
 *   PUT    /__sandbox/maintenance                      { forced?, windows? }
 *   PATCH  /__sandbox/options                          { pageSize?, slowMs?, sessionIdleSeconds?, challengeTimeoutSeconds?, maxWrongPasswords?, concurrentLogin? }
 *   POST   /__sandbox/personas/:id                     { otpEnabled?, termsPending?, loggedInElsewhere?, maintenance?, password?, lock?, forgetDevices?, endSessions? }
 *   POST   /__sandbox/accounts/:id/remove | /restore
 *   POST   /__sandbox/accounts/:id/transactions        { amount, description?, date?, afterPage? }
 *   GET    /__sandbox/requests        DELETE /__sandbox/requests
 *   POST   /__sandbox/reset
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Fault, FaultSettings } from '../faults';
import type { RequestLog } from '../request-log';
import type { NetbankBank, NetbankNewTransaction } from './bank';
import type { NetbankMaintenance } from './config';

/** Registers the admin routes on a scope already prefixed with `/__sandbox`. */
export function registerNetbankAdminRoutes(app: FastifyInstance, bank: NetbankBank, log: RequestLog, logBank: string): void {
  const knobs = bank.knobs;
  const attempt = (reply: FastifyReply, action: () => unknown) => {
    try {
      return reply.code(200).send(action() ?? { ok: true });
    } catch (e) {
      return reply.code(400).send({ error: e instanceof Error ? e.message : String(e) });
    }
  };
  const body = (raw: unknown): Record<string, unknown> => {
    if (raw === undefined) return {};
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('the body must be a JSON object');
    return raw as Record<string, unknown>;
  };
  const id = (params: unknown): string => (params as { id: string }).id;
  const bool = (v: unknown, name: string): boolean => {
    if (typeof v !== 'boolean') throw new Error(`${name} must be a boolean`);
    return v;
  };

  app.get('/state', async (_req, reply) =>
    attempt(reply, () => ({ today: bank.today(), maintenance: knobs.maintenance(), faults: knobs.faults.settings(), scheduledFaults: knobs.faults.scheduled() })),
  );
  app.get('/sessions/:id/captcha-answer', async (req, reply) => {
    const answer = bank.captchaAnswer(id(req.params));
    return answer === undefined ? reply.code(404).send({ error: 'no CAPTCHA pending in this session' }) : reply.send({ answer });
  });
  app.get('/sessions/:id/puzzle-answer', async (req, reply) => {
    const offset = bank.puzzleAnswer(id(req.params));
    return offset === undefined ? reply.code(404).send({ error: 'no puzzle pending in this session' }) : reply.send({ offset });
  });
  app.patch('/faults', async (req, reply) => attempt(reply, () => knobs.faults.set(body(req.body) as Partial<FaultSettings>)));
  app.post('/faults/next', async (req, reply) =>
    attempt(reply, () => {
      const b = body(req.body);
      const fault = typeof b['status'] === 'number' ? b['status'] : (b['fault'] as Fault | undefined);
      if (fault === undefined || (typeof fault === 'object' && typeof (fault as { type?: unknown }).type !== 'string')) throw new Error('give status or fault');
      const operations = Array.isArray(b['operations']) ? (b['operations'] as string[]) : undefined;
      knobs.faults.failNext(typeof b['count'] === 'number' ? b['count'] : 1, fault, operations ? { operations } : {});
    }),
  );
  app.put('/maintenance', async (req, reply) => attempt(reply, () => knobs.setMaintenance(body(req.body) as NetbankMaintenance)));
  app.patch('/options', async (req, reply) =>
    attempt(reply, () => {
      const b = body(req.body);
      if (b['pageSize'] !== undefined) knobs.setPageSize(Number(b['pageSize']));
      if (b['slowMs'] !== undefined) knobs.setSlowMs(Number(b['slowMs']));
      if (b['sessionIdleSeconds'] !== undefined) knobs.setSessionIdleSeconds(Number(b['sessionIdleSeconds']));
      if (b['challengeTimeoutSeconds'] !== undefined) knobs.setChallengeTimeoutSeconds(Number(b['challengeTimeoutSeconds']));
      if (b['maxWrongPasswords'] !== undefined) knobs.setMaxWrongPasswords(b['maxWrongPasswords'] === null ? null : Number(b['maxWrongPasswords']));
      if (b['concurrentLogin'] !== undefined) knobs.setConcurrentLogin(b['concurrentLogin'] as 'replace' | 'reject');
    }),
  );
  app.post('/personas/:id', async (req, reply) =>
    attempt(reply, () => {
      const p = id(req.params);
      const b = body(req.body);
      if (b['otpEnabled'] !== undefined) knobs.setOtpEnabled(p, bool(b['otpEnabled'], 'otpEnabled'));
      if (b['termsPending'] !== undefined) knobs.setTermsPending(p, bool(b['termsPending'], 'termsPending'));
      if (b['loggedInElsewhere'] !== undefined) knobs.setLoggedInElsewhere(p, bool(b['loggedInElsewhere'], 'loggedInElsewhere'));
      if (b['maintenance'] !== undefined) knobs.setPersonaMaintenance(p, bool(b['maintenance'], 'maintenance'));
      if (b['password'] !== undefined) knobs.setPassword(p, String(b['password']));
      if (b['lock'] === 'none') knobs.unlock(p);
      else if (b['lock'] === 'temporary' || b['lock'] === 'permanent') knobs.lock(p, b['lock'], typeof b['seconds'] === 'number' ? b['seconds'] : undefined);
      else if (b['lock'] !== undefined) throw new Error('lock must be none, temporary or permanent');
      if (b['forgetDevices'] === true) knobs.forgetDevices(p);
      if (b['endSessions'] === true) knobs.endSessions(p);
    }),
  );
  app.post('/accounts/:id/remove', async (req, reply) => attempt(reply, () => knobs.removeAccount(id(req.params))));
  app.post('/accounts/:id/restore', async (req, reply) => attempt(reply, () => knobs.restoreAccount(id(req.params))));
  app.post('/accounts/:id/transactions', async (req, reply) =>
    attempt(reply, () => {
      const b = body(req.body);
      if (typeof b['amount'] !== 'number') throw new Error('amount must be a number');
      const tx: NetbankNewTransaction = {
        amount: b['amount'],
        ...(typeof b['description'] === 'string' ? { description: b['description'] } : {}),
        ...(typeof b['date'] === 'string' ? { date: b['date'] } : {}),
      };
      if (b['afterPage'] !== undefined) {
        knobs.insertTransactionAfterPage(id(req.params), Number(b['afterPage']), tx);
        return { scheduled: true };
      }
      return knobs.insertTransaction(id(req.params), tx);
    }),
  );
  app.get('/requests', async (_req, reply) => attempt(reply, () => ({ requests: log.entries({ bank: logBank }) })));
  app.delete('/requests', async (_req, reply) => attempt(reply, () => log.clear()));
  app.post('/reset', async (_req, reply) => attempt(reply, () => knobs.reset()));
}

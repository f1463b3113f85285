/**
 * The test-only admin API of a bank (mounted under `/__sandbox` only when enabled): the
 * same knobs as the programmatic API, for tests and demos that drive the sandbox over
 * HTTP (e.g. from another process). Admin requests get no faults and are not logged.
 *
 *   GET    /__sandbox/state                          settings, queued faults, removed accounts
 *   PATCH  /__sandbox/faults                         standing fault settings (partial FaultSettings)
 *   POST   /__sandbox/faults/next                    { count, status } or { count, fault, operations? }
 *   PATCH  /__sandbox/token-lifetimes                { accessToken?: seconds, … }
 *   PUT    /__sandbox/retry-after/:status            { value: string | null } (Retry-After on answers with that status)
 *   POST   /__sandbox/tokens/revoke-all
 *   PATCH  /__sandbox/options                        { passwordLogin?, pageSize? }
 *   POST   /__sandbox/accounts/:id/remove            { status?: 400 | 404 }
 *   POST   /__sandbox/accounts/:id/restore
 *   POST   /__sandbox/accounts/:id/transactions      { amount, description?, date?, afterPage? }
 *   GET    /__sandbox/requests?operation=            this bank's request log
 *   DELETE /__sandbox/requests                       clears the whole log
 *   POST   /__sandbox/reset                          every knob back to the configuration
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Fault, FaultSettings } from '../faults';
import type { RequestLog } from '../request-log';
import type { BankCommonApiBank, NewTransaction } from './bank';
import type { TokenLifetimes } from './tokens';

/** Registers the admin routes on a scope already prefixed with `/__sandbox`. */
export function registerAdminRoutes(app: FastifyInstance, bank: BankCommonApiBank, log: RequestLog): void {
  const knobs = bank.knobs;
  const attempt = (reply: FastifyReply, action: () => unknown) => {
    try {
      const result = action();
      return reply.code(200).send(result ?? { ok: true });
    } catch (e) {
      return reply.code(400).send({ error: e instanceof Error ? e.message : String(e) });
    }
  };
  const body = (raw: unknown): Record<string, unknown> => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('the body must be a JSON object');
    return raw as Record<string, unknown>;
  };
  const accountId = (params: unknown): string => (params as { id: string }).id;

  app.get('/state', async (_req, reply) =>
    attempt(reply, () => ({
      bankCode: bank.bankCode,
      faults: knobs.faults.settings(),
      scheduledFaults: knobs.faults.scheduled(),
      tokenLifetimes: knobs.tokenLifetimes(),
      options: knobs.options(),
      removedAccounts: [...bank.model.accounts.keys()].filter((id) => bank.isRemoved(id)),
      today: bank.today(),
    })),
  );
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
  app.patch('/token-lifetimes', async (req, reply) => attempt(reply, () => knobs.setTokenLifetimes(body(req.body) as Partial<TokenLifetimes>)));
  app.put('/retry-after/:status', async (req, reply) =>
    attempt(reply, () => {
      const value = body(req.body)['value'];
      if (value !== null && typeof value !== 'string') throw new Error('value must be a string or null');
      knobs.setRetryAfter(Number((req.params as { status: string }).status), value ?? undefined);
    }),
  );
  app.post('/tokens/revoke-all', async (_req, reply) => attempt(reply, () => knobs.revokeAllUserTokens()));
  app.patch('/options', async (req, reply) =>
    attempt(reply, () => {
      const b = body(req.body);
      if (b['passwordLogin'] !== undefined) {
        if (typeof b['passwordLogin'] !== 'boolean') throw new Error('passwordLogin must be a boolean');
        knobs.setPasswordLogin(b['passwordLogin']);
      }
      if (b['pageSize'] !== undefined) knobs.setPageSize(Number(b['pageSize']));
    }),
  );
  app.post('/accounts/:id/remove', async (req, reply) =>
    attempt(reply, () => {
      const status = req.body === undefined ? undefined : body(req.body)['status'];
      if (status !== undefined && status !== 400 && status !== 404) throw new Error('status must be 400 or 404');
      knobs.removeAccount(accountId(req.params), status === undefined ? {} : { status });
    }),
  );
  app.post('/accounts/:id/restore', async (req, reply) => attempt(reply, () => knobs.restoreAccount(accountId(req.params))));
  app.post('/accounts/:id/transactions', async (req, reply) =>
    attempt(reply, () => {
      const b = body(req.body);
      if (typeof b['amount'] !== 'number') throw new Error('amount must be a number');
      const tx: NewTransaction = {
        amount: b['amount'],
        ...(typeof b['description'] === 'string' ? { description: b['description'] } : {}),
        ...(typeof b['date'] === 'string' ? { date: b['date'] } : {}),
      };
      if (b['afterPage'] !== undefined) {
        knobs.insertTransactionAfterPage(accountId(req.params), Number(b['afterPage']), tx);
        return { scheduled: true };
      }
      return knobs.insertTransaction(accountId(req.params), tx);
    }),
  );
  app.get('/requests', async (req, reply) =>
    attempt(reply, () => {
      const operation = (req.query as Record<string, unknown>)['operation'];
      return { requests: log.entries({ bank: bank.bankCode, ...(typeof operation === 'string' ? { operation } : {}) }) };
    }),
  );
  app.delete('/requests', async (_req, reply) => attempt(reply, () => log.clear()));
  app.post('/reset', async (_req, reply) => attempt(reply, () => knobs.reset()));
}

import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource, type DataSourceOptions, type EntityManager, type EntitySubscriberInterface } from 'typeorm';
import { createKinkoDataSource, kinkoDataSourceOptions } from '../../src/database/data-source';
import { runTransaction, TransactionRolledBackError } from '../../src/database/transaction';
import { Tenant } from '../../src/tenants/tenant.entity';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * A TCP proxy on 127.0.0.1 between a pool and PostgreSQL that counts the client's turns: a write
 * of the client after the server had answered (the first write of a count is one). Pipelined
 * messages written together are one turn; a statement written only after the previous one's
 * answer came back is one more. `cutNext` drops the connection under the next thing the client
 * writes (nothing of it reaches the server).
 */
class TurnCountingProxy {
  turns = 0;
  private answered = true;
  private cut = false;
  private readonly sockets = new Set<net.Socket>();
  private readonly server: net.Server;

  constructor(private readonly target: { host: string; port: number }) {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      this.sockets.add(client).add(upstream);
      client.on('data', (chunk) => {
        if (this.cut) {
          this.cut = false;
          client.destroy();
          upstream.destroy();
          return;
        }
        if (this.answered) this.turns += 1;
        this.answered = false;
        upstream.write(chunk);
      });
      upstream.on('data', (chunk) => {
        this.answered = true;
        client.write(chunk);
      });
      const close = (): void => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  reset(): void {
    this.turns = 0;
    this.answered = true;
  }

  cutNext(): void {
    this.cut = true;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

// runTransaction (src/database/transaction.ts): BEGIN travels with the first statement on the
// app's pipelined pool, so a transaction costs one round trip fewer than TypeORM's
// dataSource.transaction, with the same outcome: committed, or rolled back when anything fails.
describe('runTransaction', () => {
  let db: TestDatabase;
  let proxy: TurnCountingProxy;
  let ds: DataSource;
  let admin: DataSource;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };

  const stored = async (id: number): Promise<boolean> => ((await admin.query('SELECT 1 FROM pipe_notes WHERE id = $1', [id])) as unknown[]).length === 1;
  const backendPid = async (m: EntityManager): Promise<number> => ((await m.query('SELECT pg_backend_pid() AS pid')) as Array<{ pid: number }>)[0]!.pid;

  beforeAll(async () => {
    db = await createTestDatabase();
    admin = db.dataSource;
    await admin.query('CREATE TABLE pipe_notes (id int PRIMARY KEY, note text NOT NULL)');
    const url = new URL(db.url);
    proxy = new TurnCountingProxy({ host: url.hostname, port: Number(url.port) });
    url.hostname = '127.0.0.1';
    url.port = String(await proxy.listen());
    // The app's own options (pipeline mode on), one connection: every transaction uses the same one.
    ds = createKinkoDataSource(url.toString(), { poolSize: 1, applicationName: 'kinko-test-transaction', quiet: true });
    await ds.initialize();
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    expect(unhandled).toEqual([]);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await ds?.destroy();
    await proxy?.close();
    await db?.drop();
  });

  it('runs a transaction of 2 statements in 3 turns (BEGIN with the first, the second, COMMIT); TypeORM\'s takes 4', async () => {
    await ds.query('SELECT 1'); // the connection is open before counting
    proxy.reset();
    await runTransaction(ds, async (m) => {
      await m.query('INSERT INTO pipe_notes (id, note) VALUES (1, $1)', ['helper']);
      await m.query('UPDATE pipe_notes SET note = note || $1 WHERE id = 1', ['!']);
    });
    const helperTurns = proxy.turns;
    proxy.reset();
    await ds.transaction(async (m) => {
      await m.query('INSERT INTO pipe_notes (id, note) VALUES (2, $1)', ['typeorm']);
      await m.query('UPDATE pipe_notes SET note = note || $1 WHERE id = 2', ['!']);
    });
    const typeormTurns = proxy.turns;
    expect({ helperTurns, typeormTurns }).toEqual({ helperTurns: 3, typeormTurns: 4 });
    expect(await admin.query('SELECT id, note FROM pipe_notes WHERE id IN (1, 2) ORDER BY id')).toEqual([
      { id: 1, note: 'helper!' },
      { id: 2, note: 'typeorm!' },
    ]);
  });

  it('rolls back what it wrote when a statement fails, and the connection serves the next transaction', async () => {
    const failed = runTransaction(ds, async (m) => {
      await m.query('INSERT INTO pipe_notes (id, note) VALUES (10, $1)', ['written first']);
      await m.query('INSERT INTO pipe_notes (id, note) VALUES (11, NULL)'); // NOT NULL: fails
    });
    await expect(failed).rejects.toThrow(/null value/);
    expect(await stored(10)).toBe(false);
    const pid = await runTransaction(ds, async (m) => {
      await m.query('INSERT INTO pipe_notes (id, note) VALUES (12, $1)', ['after']);
      return backendPid(m);
    });
    expect(await stored(12)).toBe(true);
    expect(await ds.query('SELECT pg_backend_pid() AS pid')).toEqual([{ pid }]); // the same pooled connection
  });

  it('rolls back when the work throws, including what an entity save wrote (TypeORM opens no transaction of its own)', async () => {
    const id = randomUUID();
    const failed = runTransaction(ds, async (m) => {
      await m.save(Tenant, { id, name: 'saved inside', displayName: null, logoUrl: null, accentColor: null, returnUrls: [] });
      await m.query('INSERT INTO pipe_notes (id, note) VALUES (20, $1)', ['written']);
      throw new Error('work failed');
    });
    await expect(failed).rejects.toThrow('work failed');
    expect(await admin.query('SELECT id FROM tenants WHERE id = $1', [id])).toEqual([]);
    expect(await stored(20)).toBe(false);
  });

  it('rejects with TransactionRolledBackError when a failed statement\'s error was swallowed (COMMIT is a ROLLBACK)', async () => {
    const failed = runTransaction(ds, async (m) => {
      await m.query('INSERT INTO pipe_notes (id, note) VALUES (30, $1)', ['written']);
      await m.query('SELECT 1 / 0').catch(() => undefined);
    });
    await expect(failed).rejects.toBeInstanceOf(TransactionRolledBackError);
    expect(await stored(30)).toBe(false);
  });

  it('applies the isolation level in BEGIN itself (one statement)', async () => {
    await ds.query('SELECT 1');
    proxy.reset();
    const levels = await runTransaction(ds, 'REPEATABLE READ', async (m) => {
      const [row] = (await m.query('SHOW transaction_isolation')) as Array<{ transaction_isolation: string }>;
      return row?.transaction_isolation;
    });
    expect(levels).toBe('repeatable read');
    expect(proxy.turns).toBe(2); // BEGIN ISOLATION LEVEL … with SHOW, then COMMIT
    expect(await runTransaction(ds, async (m) => ((await m.query('SHOW transaction_isolation')) as Array<{ transaction_isolation: string }>)[0]?.transaction_isolation)).toBe('read committed');
  });

  it('shows TypeORM\'s transaction subscribers the same events as dataSource.transaction, a COMMIT answered as a ROLLBACK as a rollback', async () => {
    const events: string[] = [];
    const record = (name: string) => (event: { queryRunner: { isTransactionActive: boolean; isReleased: boolean } }) => {
      events.push(`${name} active=${event.queryRunner.isTransactionActive} released=${event.queryRunner.isReleased}`);
    };
    const subscriber: EntitySubscriberInterface = {
      beforeTransactionStart: record('beforeStart'),
      afterTransactionStart: record('afterStart'),
      beforeTransactionCommit: record('beforeCommit'),
      afterTransactionCommit: record('afterCommit'),
      beforeTransactionRollback: record('beforeRollback'),
      afterTransactionRollback: record('afterRollback'),
    };
    ds.subscribers.push(subscriber);
    const run = async (transaction: (work: (m: EntityManager) => Promise<unknown>) => Promise<unknown>): Promise<{ committed: string[]; failed: string[] }> => {
      events.length = 0;
      await transaction((m) => m.query('SELECT 1'));
      const committed = [...events];
      events.length = 0;
      await transaction(async () => {
        throw new Error('no');
      }).catch(() => undefined);
      return { committed, failed: [...events] };
    };
    try {
      const helper = await run((work) => runTransaction(ds, work));
      const typeorm = await run((work) => ds.transaction(work));
      expect(helper).toEqual(typeorm);
      expect(helper.committed).toEqual(['beforeStart active=true released=false', 'afterStart active=true released=false', 'beforeCommit active=true released=false', 'afterCommit active=false released=false']);
      events.length = 0;
      await runTransaction(ds, async (m) => m.query('SELECT 1 / 0').catch(() => undefined)).catch(() => undefined);
      expect(events.slice(-2)).toEqual(['beforeRollback active=true released=false', 'afterRollback active=false released=false']);
    } finally {
      ds.subscribers.splice(ds.subscribers.indexOf(subscriber), 1);
    }
  });

  it('sends BEGIN and the first statement in one write of the connection\'s socket (the app\'s pool), COMMIT in another; without holding them, 3 writes', async () => {
    // The socket the pool's client connects (pg's `stream` option): counts what it hands to the kernel.
    class CountingSocket extends net.Socket {
      writes = 0;
      override _write(chunk: unknown, encoding: BufferEncoding, done: (error?: Error | null) => void): void {
        this.writes += 1;
        super._write(chunk, encoding, done);
      }
      override _writev(chunks: Array<{ chunk: unknown; encoding: BufferEncoding }>, done: (error?: Error | null) => void): void {
        this.writes += 1;
        super._writev?.(chunks, done);
      }
    }
    const socket = new CountingSocket();
    const options = kinkoDataSourceOptions(db.url, { poolSize: 1, applicationName: 'kinko-test-transaction-writes', quiet: true });
    const counted = new DataSource({ ...options, extra: { ...(options.extra as object), stream: () => socket } } as DataSourceOptions);
    await counted.initialize();
    try {
      await counted.query('SELECT 1'); // connected, the statement's answer read
      const writesOf = async (work: (m: EntityManager) => Promise<unknown>): Promise<number> => {
        const before = socket.writes;
        await runTransaction(counted, work);
        return socket.writes - before;
      };
      expect(await writesOf((m) => m.query('INSERT INTO pipe_notes (id, note) VALUES (60, $1)', ['one write']))).toBe(2);
      // The first statement after other awaited work of the same turn (a resolved promise) still goes with BEGIN.
      expect(await writesOf(async (m) => {
        await Promise.resolve();
        await m.query('UPDATE pipe_notes SET note = note || $1 WHERE id = 60', ['!']);
      })).toBe(2);
      // Work that waits for I/O before its first statement: BEGIN is not held past the turn (sent alone).
      expect(await writesOf(async (m) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        await m.query('UPDATE pipe_notes SET note = note || $1 WHERE id = 60', ['?']);
      })).toBe(3);
      expect(((await admin.query('SELECT note FROM pipe_notes WHERE id = 60')) as Array<{ note: string }>)[0]?.note).toBe('one write!?');
    } finally {
      await counted.destroy();
    }
  });

  it('shows each event to the subscribers listening to it when the transaction runs: one added later gets its events from its first transaction on', async () => {
    const events: string[] = [];
    const commits: EntitySubscriberInterface = { afterTransactionCommit: () => void events.push('commits: afterCommit') };
    ds.subscribers.push(commits);
    const starts: EntitySubscriberInterface = {
      beforeTransactionStart: () => void events.push('starts: beforeStart'),
      beforeTransactionCommit: () => void events.push('starts: beforeCommit'),
    };
    try {
      await runTransaction(ds, (m) => m.query('SELECT 1'));
      expect(events).toEqual(['commits: afterCommit']);
      events.length = 0;
      ds.subscribers.push(starts);
      await runTransaction(ds, (m) => m.query('SELECT 1'));
      expect(events).toEqual(['starts: beforeStart', 'starts: beforeCommit', 'commits: afterCommit']);
    } finally {
      for (const s of [commits, starts]) if (ds.subscribers.includes(s)) ds.subscribers.splice(ds.subscribers.indexOf(s), 1);
    }
  });

  it('rejects when BEGIN fails with its connection (nothing unhandled), and the pool opens a new one', async () => {
    const pidBefore = ((await ds.query('SELECT pg_backend_pid() AS pid')) as Array<{ pid: number }>)[0]!.pid;
    proxy.cutNext();
    await expect(runTransaction(ds, async (m) => m.query('INSERT INTO pipe_notes (id, note) VALUES (40, $1)', ['lost']))).rejects.toThrow();
    proxy.cutNext();
    // BEGIN's own failure, with no statement behind it to report it.
    await expect(runTransaction(ds, async () => 'nothing sent')).rejects.toThrow();
    await new Promise((resolve) => setImmediate(resolve));
    expect(await stored(40)).toBe(false);
    const pidAfter = await runTransaction(ds, backendPid);
    expect(pidAfter).not.toBe(pidBefore);
  });
});

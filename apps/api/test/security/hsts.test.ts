import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestApp } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { testTempDir } from '../support/test-env';
import { rawRequest } from './http';

// Strict-Transport-Security only over a secure transport (RFC 6797 §7.2: not over plain HTTP,
// as `pnpm start` serves on http://127.0.0.1). The same app answers on plain HTTP and, through
// a TLS listener handing its connections to the app's server, on HTTPS — both over loopback.

/** A self-signed certificate for 127.0.0.1 (openssl), for this test's TLS listener only. */
function loopbackCertificate(): { key: string; cert: string } {
  const dir = testTempDir('hsts-tls');
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'pipe' });
  const out = { key: fs.readFileSync(key, 'utf8'), cert: fs.readFileSync(cert, 'utf8') };
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

/** GET over TLS, trusting only `ca`: status and headers. */
function httpsGet(port: number, pathname: string, ca: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path: pathname, ca }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
  });
}

describe('Strict-Transport-Security', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let base: string;
  let tlsServer: tls.Server;
  let tlsPort: number;
  let ca: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createTestApp(db);
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
    const { key, cert } = loopbackCertificate();
    ca = cert;
    // TLS terminated in this process: each decrypted connection is served by the app's own server.
    tlsServer = tls.createServer({ key, cert }, (socket) => app.getHttpServer().emit('connection', socket));
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    tlsPort = (tlsServer.address() as { port: number }).port;
  }, 60_000);
  afterAll(async () => {
    await new Promise<void>((resolve) => (tlsServer ? tlsServer.close(() => resolve()) : resolve()));
    await app?.close();
    await db?.drop();
  });

  it('is not sent over plain HTTP, the other security headers are', async () => {
    for (const pathname of ['/health', '/api/v2/tenant', '/link/connect']) {
      const res = await rawRequest(base, 'GET', pathname, {});
      expect([pathname, res.headers['strict-transport-security']]).toEqual([pathname, undefined]);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('is not sent for a client’s own X-Forwarded-Proto: https (no proxy is trusted)', async () => {
    const res = await rawRequest(base, 'GET', '/health', { 'x-forwarded-proto': 'https' });
    expect(res.status).toBe(200);
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });

  it('is sent over TLS, on answers and errors alike', async () => {
    for (const pathname of ['/health', '/api/v2/tenant']) {
      const res = await httpsGet(tlsPort, pathname, ca);
      expect([pathname, res.headers['strict-transport-security']]).toEqual([pathname, 'max-age=31536000; includeSubDomains']);
    }
    expect((await httpsGet(tlsPort, '/api/v2/tenant', ca)).status).toBe(401);
  });
});

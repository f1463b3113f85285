import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/app';
import { TenantsService } from '../../src/tenants/tenants.service';
import { tenantEventTypes } from '../../src/webhooks/tenant-events';
import { WebhookUrlRefused, checkWebhookUrl } from '../../src/webhooks/url-policy';
import { sendSigned } from '../../src/webhooks/webhook-sender';
import { testSettings } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { startReceiver } from './receiver';

// Where a webhook may go: https only in production; no loopback, private or link-local
// address unless the operator allows it; the host is resolved again before every delivery.

const STRICT = { requireHttps: false, allowPrivateNetworks: false };
const PRODUCTION = { requireHttps: true, allowPrivateNetworks: false };
const LOOPBACK_ALLOWED = { requireHttps: false, allowPrivateNetworks: true };

describe('webhook URL checks', () => {
  it.each([
    'http://127.0.0.1/hook',
    'http://localhost:8080/hook',
    'http://10.1.2.3/',
    'http://172.16.0.1/',
    'http://192.168.1.1/',
    'http://169.254.169.254/latest/meta-data',
    'http://100.64.0.1/',
    'http://0.0.0.0/',
    'http://[::1]/',
    'http://[fe80::1]/',
    'http://[fd00::1]/',
    'http://[::ffff:127.0.0.1]/',
  ])('refuses %s unless the operator allows private networks', async (url) => {
    await expect(checkWebhookUrl(url, STRICT)).rejects.toThrow(WebhookUrlRefused);
    await expect(checkWebhookUrl(url, STRICT)).rejects.toThrow(/loopback, private or link-local/);
    await expect(checkWebhookUrl(url, LOOPBACK_ALLOWED)).resolves.toBeInstanceOf(URL);
  });

  it('accepts a public address; in production only https; never credentials, fragments or other schemes', async () => {
    await expect(checkWebhookUrl('http://93.184.216.34/hook', STRICT)).resolves.toBeInstanceOf(URL);
    await expect(checkWebhookUrl('https://93.184.216.34/hook', PRODUCTION)).resolves.toBeInstanceOf(URL);
    await expect(checkWebhookUrl('http://93.184.216.34/hook', PRODUCTION)).rejects.toThrow(/https:\/\/ URL \(this server runs in production\)/);
    await expect(checkWebhookUrl('https://user:pw@93.184.216.34/', STRICT)).rejects.toThrow(/credentials/);
    await expect(checkWebhookUrl('https://93.184.216.34/#x', STRICT)).rejects.toThrow(/fragment/);
    await expect(checkWebhookUrl('ftp://93.184.216.34/', STRICT)).rejects.toThrow(/https/);
    await expect(checkWebhookUrl('not a url', STRICT)).rejects.toThrow(/absolute URL/);
  });

  it('resolves the host again at delivery: a name that resolves to loopback is refused before any connection', async () => {
    const r = await startReceiver();
    try {
      const url = r.url.replace('127.0.0.1', 'localhost');
      const options = { timeoutMs: 2_000, maxResponseBytes: 1024 };
      const refused = await sendSigned(url, r.secret, 'msg_1', '{"type":"x"}', new Date(), { ...STRICT, ...options });
      expect(refused).toMatchObject({ ok: false, statusCode: null });
      expect(refused.error).toMatch(/^refused: resolves to .* loopback, private or link-local/);
      expect(r.received).toHaveLength(0);
      const sent = await sendSigned(url, r.secret, 'msg_2', '{"type":"x","data":{}}', new Date(), { ...LOOPBACK_ALLOWED, ...options });
      expect(sent).toMatchObject({ ok: true, statusCode: 200, error: null });
      expect(r.received.map((x) => [x.id, x.verified])).toEqual([['msg_2', true]]);
    } finally {
      await r.close();
    }
  });

  describe('through the API (a server that allows no private network; production requires https)', () => {
    let db: TestDatabase;
    const apps: NestFastifyApplication[] = [];
    const bases: string[] = [];
    let apiKey = '';

    beforeAll(async () => {
      db = await createTestDatabase();
      for (const webhookSettings of [STRICT, PRODUCTION]) {
        const app = await createApp({ settings: { settings: testSettings() }, databaseUrl: db.url, logger: false, webhookSettings });
        await app.listen(0, '127.0.0.1');
        apps.push(app);
        bases.push(`http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`);
      }
      apiKey = (await apps[0]!.get(TenantsService).bootstrap('URL tenant')).apiKey.apiKey;
    }, 60_000);

    afterAll(async () => {
      for (const app of apps) await app.close();
      await db?.drop();
    });

    const register = async (base: string, url: string): Promise<{ status: number; json: { type?: string; errors?: Array<{ field: string; reason: string }> } }> => {
      const res = await fetch(`${base}/api/v2/tenant/webhooks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url, eventTypes: ['sync.finished'] }),
      });
      return { status: res.status, json: (await res.json()) as never };
    };

    it('answers a 400 problem naming the url field', async () => {
      const loopback = await register(bases[0]!, 'http://127.0.0.1:9/hook');
      expect(loopback.status).toBe(400);
      expect(loopback.json.errors).toEqual([{ field: 'url', reason: expect.stringMatching(/resolves to 127\.0\.0\.1, a loopback, private or link-local address/) }]);
      const metadata = await register(bases[0]!, 'http://169.254.169.254/');
      expect(metadata.status).toBe(400);
      const http = await register(bases[1]!, 'http://93.184.216.34/hook');
      expect(http.status).toBe(400);
      expect(http.json.errors?.[0]?.reason).toMatch(/https:\/\//);
      expect((await register(bases[1]!, 'https://93.184.216.34/hook')).status).toBe(201);
    });

    it('the OpenAPI document describes every webhook payload (callbacks of the registration)', async () => {
      const doc = (await (await fetch(`${bases[0]}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, { callbacks?: Record<string, Record<string, { post: { requestBody: { content: Record<string, { schema: { properties: { type: { enum: string[] }; data: { required: string[] } } } }> }; parameters: Array<{ name: string }> } }>> }>> };
      const callbacks = doc.paths['/api/v2/tenant/webhooks']!['post']!.callbacks!;
      expect(Object.keys(callbacks).sort()).toEqual([...tenantEventTypes].sort());
      for (const type of tenantEventTypes) {
        const post = callbacks[type]!['{$request.body#/url}']!.post;
        const schema = post.requestBody.content['application/json']!.schema;
        expect(schema.properties.type.enum).toEqual([type]);
        expect(schema.properties.data.required).toEqual(expect.arrayContaining(['userId']));
        expect(post.parameters.map((p) => p.name)).toEqual(['webhook-id', 'webhook-timestamp', 'webhook-signature']);
      }
    });
  });
});

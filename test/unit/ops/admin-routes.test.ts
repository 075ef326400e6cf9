/** Subscriber bulk import (all or nothing) and export, node list, and the redacted configuration. */
import { describe, expect, it } from 'vitest';
import { loadConfig, redactedConfig } from '../../../src/config/index.js';
import { silentLogger } from '../../../src/log.js';
import { buildOpsServer } from '../../../src/ops/server.js';
import { MemoryStateStore } from '../../../src/state/memory/memory-state-store.js';

function build() {
  const store = new MemoryStateStore();
  const config = loadConfig({
    CALLGUARD_SUBSCRIBERS: '+12125550123',
    CALLGUARD_SMPP_PASSWORD: 'pw-123',
    CALLGUARD_API_TOKENS: 'admin:an-admin-token-0123456789',
    REDIS_URL: 'redis://default:hunter2@pw@redis.example:6379/0',
    CALLGUARD_SMS_HTTP_URL: 'https://hook.example/sms?token=tok3n-in-query',
  });
  const app = buildOpsServer({
    calls: { listCalls: () => [], getCall: () => undefined },
    subscribers: store,
    nodes: store,
    heartbeatMs: 1000,
    configView: () => redactedConfig(config),
    defaultCountry: 'US',
    ready: () => ({ ready: true }),
    logger: silentLogger(),
    nodeId: 'n1',
    now: () => Date.UTC(2026, 10, 23),
  });
  return { app, store };
}

describe('admin routes', () => {
  it('imports a CSV of subscribers, keeps locales, and exports them back', async () => {
    const { app, store } = build();
    const csv = 'number,locale\n+12125550123,es\n(212) 555-0199,\n# a comment\n+442079460000,en-GB\n';
    const res = await app.inject({ method: 'POST', url: '/v1/subscribers/import', headers: { 'content-type': 'text/csv' }, payload: csv });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ imported: 3, created: 3, updated: 0 });
    expect(await store.get('+12125550199')).toMatchObject({ number: '+12125550199' });
    expect(await store.get('+442079460000')).toMatchObject({ locale: 'en-GB' });

    const again = await app.inject({ method: 'POST', url: '/v1/subscribers/import', headers: { 'content-type': 'text/csv' }, payload: '+12125550123\n' });
    expect(again.json()).toEqual({ imported: 1, created: 0, updated: 1 });
    // A re-import without a locale keeps the one provisioned.
    expect(await store.get('+12125550123')).toMatchObject({ locale: 'es' });

    const out = await app.inject({ method: 'GET', url: '/v1/subscribers/export' });
    expect(out.headers['content-type']).toMatch(/^text\/csv/);
    const lines = out.body.trim().split(/\r?\n/);
    expect(lines[0]).toBe('number,locale,provisioned_at,sms');
    expect(lines.slice(1).map((l) => l.split(',')[0]).sort()).toEqual(['+12125550123', '+12125550199', '+442079460000']);
  });

  it('refuses a file with a bad line whole, naming the line but not echoing it', async () => {
    const { app, store } = build();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/subscribers/import',
      headers: { 'content-type': 'text/csv' },
      payload: 'number,locale\n+12125550123,es\nnot-a-number-5550,en\n+12125550123,fr\n',
    });
    expect(res.statusCode).toBe(400);
    const body = res.json() as { error: { code: string }; errors: Array<{ line: number; message: string }> };
    expect(body.error.code).toBe('INVALID_CSV');
    expect(body.errors.map((e) => e.line)).toEqual([3, 4]);
    expect(res.body).not.toContain('5550');
    expect(await store.list()).toEqual([]);
    expect((await app.inject({ method: 'POST', url: '/v1/subscribers/import', headers: { 'content-type': 'application/json' }, payload: '{}' })).statusCode).toBe(415);
  });

  it('lists nodes with the heartbeat interval, and shows the configuration with secrets redacted', async () => {
    const { app, store } = build();
    await store.heartbeat({ id: 'node-b', startedAt: 1, calls: 2 }, 5000);
    await store.heartbeat({ id: 'node-a', startedAt: 1, calls: 0 }, 5000);
    const nodes = (await app.inject({ method: 'GET', url: '/v1/nodes' })).json() as { nodes: Array<{ id: string }>; heartbeatMs: number };
    expect(nodes.nodes.map((n) => n.id)).toEqual(['node-a', 'node-b']);
    expect(nodes.heartbeatMs).toBe(1000);
    const cfg = await app.inject({ method: 'GET', url: '/v1/config' });
    expect(cfg.statusCode).toBe(200);
    for (const secret of ['hunter2', 'pw@redis', 'tok3n-in-query', 'pw-123', 'an-admin-token', '2125550123']) expect(cfg.body).not.toContain(secret);
    expect(cfg.json()).toMatchObject({ redisUrl: 'redis://(credentials)@redis.example:6379/0', alerts: { http: { url: 'https://hook.example/sms?(redacted)' } } });
    expect(cfg.json()).toMatchObject({ alerts: { smpp: { password: '(set)' } }, auth: { tokens: [{ role: 'admin', token: '(set)' }] } });
  });
});

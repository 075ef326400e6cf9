/** Each role's allowed and denied routes, token forms, and the open probes. */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { requiredAccess } from '../../../src/ops/auth.js';
import { buildOpsServer } from '../../../src/ops/server.js';
import { MemorySubscriberStore } from '../../../src/state/memory/memory-subscriber-store.js';

const READER = 'reader-token-0123456789';
const ADMIN = 'admin-token-0123456789ab';

function build() {
  return buildOpsServer({
    calls: { listCalls: () => [], getCall: () => undefined },
    subscribers: new MemorySubscriberStore(),
    defaultCountry: 'US',
    ready: () => ({ ready: true }),
    logger: silentLogger(),
    nodeId: 'n1',
    auth: { tokens: [{ role: 'reader', token: READER }, { role: 'admin', token: ADMIN }] },
    configView: () => ({ nodeId: 'n1', auth: { tokens: [{ role: 'admin', token: '(set)' }] } }),
    metrics: { contentType: 'text/plain; version=0.0.4', render: async () => 'callguard_calls_active{node="n1"} 0\n' },
  });
}

const ROUTES: Array<{ method: 'GET' | 'PUT' | 'DELETE' | 'POST'; url: string; need: 'public' | 'reader' | 'admin'; payload?: unknown }> = [
  { method: 'GET', url: '/healthz', need: 'public' },
  { method: 'GET', url: '/readyz', need: 'public' },
  { method: 'GET', url: '/v1/calls', need: 'reader' },
  { method: 'GET', url: '/v1/calls/abc', need: 'reader' },
  { method: 'GET', url: '/metrics', need: 'reader' },
  { method: 'GET', url: '/v1/subscribers', need: 'admin' },
  { method: 'PUT', url: '/v1/subscribers/+12125550123', need: 'admin' },
  { method: 'DELETE', url: '/v1/subscribers/+12125550123', need: 'admin' },
  { method: 'GET', url: '/v1/subscribers/export', need: 'admin' },
  { method: 'GET', url: '/v1/config', need: 'admin' },
];

describe('ops API auth', () => {
  it.each(ROUTES)('$method $url needs $need', async ({ method, url, need }) => {
    const app = build();
    const as = async (token?: string) => (await app.inject({ method, url, ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) })).statusCode;
    const anon = await as();
    const reader = await as(READER);
    const admin = await as(ADMIN);
    if (need === 'public') {
      expect(anon).toBe(200);
    } else {
      expect(anon).toBe(401);
      expect(await as('not-a-known-token-at-all')).toBe(401);
      if (need === 'reader') expect(reader).not.toBe(401);
      else expect(reader).toBe(403);
      expect([401, 403]).not.toContain(admin);
    }
    await app.close();
  });

  it('says how to authenticate, accepts ?access_token= for streams, and the config view hides secrets', async () => {
    const app = build();
    const res = await app.inject({ method: 'GET', url: '/v1/calls' });
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    expect((await app.inject({ method: 'GET', url: `/v1/calls?access_token=${READER}` })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/v1/calls', headers: { authorization: `Basic ${READER}` } })).statusCode).toBe(401);
    const cfg = await app.inject({ method: 'GET', url: '/v1/config', headers: { authorization: `Bearer ${ADMIN}` } });
    expect(cfg.body).not.toContain(ADMIN);
    const m = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${READER}` } });
    expect(m.body).toContain('callguard_calls_active');
    await app.close();
  });

  it('classifies routes: unknown ones need admin, writes need admin even under reader paths', () => {
    expect(requiredAccess('GET', '/v1/unknown')).toBe('admin');
    expect(requiredAccess('POST', '/v1/alerts/x/retry')).toBe('admin');
    expect(requiredAccess('POST', '/v1/feedback')).toBe('admin');
    expect(requiredAccess('GET', '/v1/alerts')).toBe('reader');
    expect(requiredAccess('GET', '/v1/events')).toBe('reader');
    expect(requiredAccess('GET', '/dashboard')).toBe('public');
    expect(requiredAccess('GET', '/dashboard/app.js')).toBe('public');
  });
});

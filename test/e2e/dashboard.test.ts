/**
 * The dashboard in headless Chromium against a fastify app serving the page, the event stream over a
 * local bus and stub REST routes behind a token check shaped like the ops server's (Bearer header or
 * ?access_token=). The page relies only on those documented routes, so the same steps can run
 * against a real node.
 */
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { Script } from 'node:vm';
import Fastify, { type FastifyInstance } from 'fastify';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertRecord } from '../../src/alerts/types.js';
import type { CallSummary } from '../../src/engine/index.js';
import { DASHBOARD_CSP, registerDashboard } from '../../src/ops/dashboard/dashboard-routes.js';
import { DASHBOARD_JS } from '../../src/ops/dashboard/script.js';
import { registerEventRoutes } from '../../src/ops/event-routes.js';
import type { ClusterEvent } from '../../src/state/types.js';
import { requireBinary } from '../support/binaries.js';
import { LocalBus } from '../support/local-bus.js';

const TOKEN = 'x';
const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts');
// Expressions evaluated in the page are strings: the project's lib has no DOM types.
const STORED_TOKEN = "sessionStorage.getItem('callguard.token')";

const summary = (id: string, node: string, over: Partial<CallSummary> = {}): CallSummary => ({
  id,
  sipCallId: `${id}@src`,
  node,
  state: { live: { dialog: 'active', expiry: 'watching', analyzer: 'idle', analysis: 'listening' } },
  subscriber: '+12*******23',
  participants: [
    { id: 'p1', role: 'subscriber', number: '+12*******23' },
    { id: 'p2', role: 'caller', number: '+13*******00' },
  ],
  streams: [
    { index: 0, label: '1', direction: 'sendonly', held: false, codec: 'PCMU/8000', port: 20000 },
    { index: 1, label: '2', direction: 'sendonly', held: false, codec: 'PCMU/8000', port: 20002 },
  ],
  startedAt: new Date().toISOString(),
  refreshes: 0,
  speech: { status: 'on', finals: 0, partials: 0, keyphraseHits: 0 },
  risk: { level: 'none', score: 0, category: 'none', alerted: false },
  ...over,
});

const alertRecord = (id: string, over: Partial<AlertRecord> = {}): AlertRecord => ({
  id,
  dedupKey: `+12*******23:${id}`,
  callId: `call-${id}`,
  subscriber: '+12*******23',
  caller: '+13*******00',
  category: 'bank',
  level: 'high',
  score: 0.9,
  tactics: ['impersonation'],
  explanation: 'The caller claims to be the bank.',
  locale: 'en',
  status: 'sent',
  attempts: 1,
  messageIds: ['m1'],
  receipts: [],
  nodeId: 'n1',
  raisedAt: Date.now() - 60_000,
  updatedAt: Date.now() - 60_000,
  ...over,
});

const callEvent = (type: 'call.started' | 'call.updated', s: CallSummary): ClusterEvent => ({
  type,
  node: s.node,
  at: Date.now(),
  call: { id: s.id, node: s.node, summary: { ...s }, state: s.state, snapshot: {}, updatedAt: Date.now() },
});

interface Served {
  app: FastifyInstance;
  bus: LocalBus;
  base: string;
  /** How each authorised /v1 request carried the token. */
  auth: Array<{ path: string; via: 'header' | 'query' }>;
}

async function serve(): Promise<Served> {
  const bus = new LocalBus();
  const auth: Served['auth'] = [];
  const app = Fastify();
  // Stands in for the ops server's auth hook: the dashboard assets are public, /v1 is not.
  app.addHook('onRequest', async (req, reply) => {
    const url = new URL(req.url, 'http://local');
    if (!url.pathname.startsWith('/v1/')) return;
    const via =
      req.headers.authorization === `Bearer ${TOKEN}` ? 'header' : url.searchParams.get('access_token') === TOKEN ? 'query' : undefined;
    if (!via) return reply.code(401).send({ error: { code: 'UNAUTHORIZED', message: 'bad token' } });
    auth.push({ path: url.pathname, via });
  });
  registerDashboard(app);
  registerEventRoutes(app, { events: bus });
  app.get('/v1/calls', async () => {
    const calls = [summary('existing-call-0001', 'n2')];
    return { calls, count: calls.length };
  });
  app.get('/v1/alerts', async () => {
    const alerts = [alertRecord('a-old', { status: 'delivered', disputed: { at: Date.now() - 30_000, via: 'sms' } })];
    return { alerts, count: alerts.length, stats: { queued: 0, sending: 0, sent: 0, delivered: 1, undelivered: 0, dead: 0, duplicates: 0, rateLimited: 0, disputed: 1 } };
  });
  app.get('/v1/nodes', async () => ({
    nodes: [
      { id: 'n1', startedAt: Date.now() - 3_600_000, calls: 0, seenAt: Date.now() },
      { id: 'n2', startedAt: Date.now() - 3_600_000, calls: 1, seenAt: Date.now() },
    ],
    heartbeatMs: 5000,
  }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, bus, auth, base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

async function waitUntil(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('dashboard assets', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify();
    registerDashboard(app);
    await app.ready();
  });
  afterAll(async () => app.close());

  it('serve HTML, JS and CSS with their types, no-cache and a strict CSP', async () => {
    for (const [path, type] of [
      ['/dashboard', 'text/html'],
      ['/dashboard/app.js', 'text/javascript'],
      ['/dashboard/app.css', 'text/css'],
    ] as const) {
      const r = await app.inject(path);
      expect(r.statusCode, path).toBe(200);
      expect(r.headers['content-type'], path).toMatch(new RegExp(`^${type}; charset=utf-8`));
      expect(r.headers['cache-control'], path).toBe('no-cache');
      expect(r.headers['content-security-policy'], path).toBe(DASHBOARD_CSP);
      // Revalidation is a 304 without a body.
      const again = await app.inject({ url: path, headers: { 'if-none-match': String(r.headers.etag) } });
      expect(again.statusCode, path).toBe(304);
    }
    expect(DASHBOARD_CSP).toContain("default-src 'self'");
    expect(DASHBOARD_CSP).not.toContain('unsafe-inline');
    // No inline script or style for the CSP to block.
    const html = (await app.inject('/dashboard')).body;
    expect(html).not.toMatch(/<script>|<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=/i);
  });

  it('app.js is valid JavaScript that never parses data as HTML', () => {
    expect(() => new Script(DASHBOARD_JS, { filename: 'app.js' })).not.toThrow();
    expect(DASHBOARD_JS).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
  });
});

const haveChromium = requireBinary('chromium', 'chromium');

describe.skipIf(!haveChromium)('dashboard in Chromium', () => {
  let served: Served;
  let browser: Browser;
  beforeAll(async () => {
    served = await serve();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await served?.app.close();
  });

  /** A fresh context (own sessionStorage) and page, collecting console errors and page exceptions. */
  async function openPage(url: string, viewport = { width: 1100, height: 800 }): Promise<{ ctx: BrowserContext; page: Page; errors: string[] }> {
    const ctx = await browser.newContext({ viewport, colorScheme: 'light' });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    return { ctx, page, errors };
  }

  it('shows the snapshot, then follows live events', async () => {
    const { bus, base } = served;
    const { ctx, page, errors } = await openPage(`${base}/dashboard#token=${TOKEN}`);
    try {
      // 1. The snapshot: the existing call with its node, the alert, both nodes healthy.
      await page.waitForSelector('[data-call-id="existing-call-0001"]', { timeout: 5000 });
      const existing = page.locator('[data-call-id="existing-call-0001"] td');
      await expect.poll(() => existing.allTextContents()).toEqual([
        'existing',
        'n2',
        'active',
        '+12*******23',
        expect.stringMatching(/^\d\d:\d\d:\d\d$/),
        '2 · PCMU/8000',
        'None 0.00',
        '–No',
      ]);
      await page.waitForSelector('[data-alert-id="a-old"]', { timeout: 1000 });
      expect(await page.locator('[data-node-id="n2"] [data-health]').getAttribute('data-health')).toBe('healthy');
      // Subscribed (the page also re-reads the routes once the stream opens; events meanwhile are held).
      await page.waitForSelector('#conn[data-state="live"]', { timeout: 5000 });
      await waitUntil(() => bus.listeners.size === 1, 2000, 'the page to subscribe');

      // 2. call.started → a row within a second.
      const call = summary('c1-5f1e0c2a-live', 'n1');
      await bus.publish(callEvent('call.started', call));
      await page.waitForSelector('[data-call-id="c1-5f1e0c2a-live"]', { timeout: 1000 });
      const row = page.locator('[data-call-id="c1-5f1e0c2a-live"]');
      expect(await row.locator('td').nth(1).textContent()).toBe('n1');
      expect(await row.locator('[data-risk]').getAttribute('data-risk')).toBe('none');

      // 3. call.updated with high risk → the badge says so in words, not only colour.
      await bus.publish(
        callEvent('call.updated', { ...call, risk: { level: 'high', score: 0.93, category: 'bank', alerted: true } }),
      );
      await page.waitForSelector('[data-call-id="c1-5f1e0c2a-live"] [data-risk="high"]', { timeout: 1000 });
      expect(await row.locator('[data-risk] .badge').textContent()).toBe('High');
      expect(await row.locator('td').last().textContent()).toBe('✓Yes');

      // 4. alert → first in the alert table, announced in the live region; markup in data stays text.
      const fresh = alertRecord('a-new', { category: '<img src=x id=injected>', raisedAt: Date.now(), status: 'queued', attempts: 0 });
      await bus.publish({ type: 'alert', node: 'n1', at: Date.now(), alert: { ...fresh } });
      await page.waitForSelector('#alerts tbody tr:first-child[data-alert-id="a-new"]', { timeout: 1000 });
      await expect.poll(() => page.locator('#alert-live').textContent(), { timeout: 1000 }).toContain('New alert at');
      const live = await page.locator('#alert-live').textContent();
      expect(live).toContain('High risk');
      expect(live).toContain('+12*******23');
      expect(await page.locator('#alert-live').getAttribute('aria-live')).toBe('polite');
      expect(await page.locator('[data-alert-id="a-new"] td').nth(2).textContent()).toBe('<img src=x id=injected>');
      expect(await page.locator('#injected').count()).toBe(0);

      // 5. node events: a new node appears healthy, a node that went down says Down.
      await bus.publish({ type: 'node', node: 'n3', at: Date.now(), status: 'up' });
      await bus.publish({ type: 'node', node: 'n2', at: Date.now(), status: 'down' });
      await page.waitForSelector('[data-node-id="n3"] [data-health="healthy"]', { timeout: 1000 });
      await page.waitForSelector('[data-node-id="n2"] [data-health="down"]', { timeout: 1000 });
      expect(await page.locator('[data-node-id="n2"] .badge').textContent()).toBe('Down');

      // 6. call.ended → the row goes.
      await bus.publish({ type: 'call.ended', node: 'n1', at: Date.now(), callId: 'c1-5f1e0c2a-live', reason: 'bye' });
      await page.waitForSelector('[data-call-id="c1-5f1e0c2a-live"]', { state: 'detached', timeout: 1000 });
      expect(await page.locator('[data-call-id="existing-call-0001"]').count()).toBe(1);

      // 7. Structure for assistive technology: captions and column headers on every table.
      expect(await page.locator('table caption').count()).toBe(3);
      expect(await page.locator('thead th:not([scope="col"])').count()).toBe(0);

      // 8. A row back for the picture, then the screenshot.
      await bus.publish(callEvent('call.started', summary('c2-9a7d41b3-live', 'n1', { risk: { level: 'medium', score: 0.55, category: 'tech-support', alerted: false } })));
      await page.waitForSelector('[data-call-id="c2-9a7d41b3-live"]', { timeout: 1000 });
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: resolve(ARTIFACTS, 'dashboard.png'), fullPage: true });

      // 9. 320 px wide: tables scroll inside their regions, the page does not scroll sideways.
      await page.setViewportSize({ width: 320, height: 640 });
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(320);

      expect(errors).toEqual([]);
    } finally {
      await ctx.close();
    }
    // The closed page's stream is unsubscribed.
    await waitUntil(() => bus.listeners.size === 0, 2000, 'the closed page to unsubscribe');
  });

  it('takes the token out of the address bar and sends it as a header to fetch, as a parameter to EventSource', async () => {
    served.auth.length = 0;
    const { ctx, page, errors } = await openPage(`${served.base}/dashboard#token=${TOKEN}`);
    try {
      await page.waitForSelector('#conn[data-state="live"]', { timeout: 5000 });
      expect(page.url()).toBe(`${served.base}/dashboard`);
      expect(await page.evaluate<string | null>(STORED_TOKEN)).toBe(TOKEN);
      const vias = (path: string) => new Set(served.auth.filter((a) => a.path === path).map((a) => a.via));
      await waitUntil(() => vias('/v1/nodes').size > 0, 2000, 'the node list to be read');
      expect(vias('/v1/calls')).toEqual(new Set(['header']));
      expect(vias('/v1/alerts')).toEqual(new Set(['header']));
      expect(vias('/v1/nodes')).toEqual(new Set(['header']));
      expect(vias('/v1/events')).toEqual(new Set(['query']));
      // A reload keeps working from sessionStorage.
      await page.reload();
      await page.waitForSelector('#conn[data-state="live"]', { timeout: 5000 });
      await page.waitForSelector('[data-call-id="existing-call-0001"]', { timeout: 5000 });
      expect(errors).toEqual([]);
    } finally {
      await ctx.close();
    }
  });

  it('asks for a token when the server refuses it, and starts once a good one is pasted', async () => {
    const { ctx, page } = await openPage(`${served.base}/dashboard#token=wrong`);
    try {
      await page.waitForSelector('#token-form', { state: 'visible', timeout: 5000 });
      expect(await page.locator('#auth-error').textContent()).toContain('refused');
      expect(await page.evaluate<string | null>(STORED_TOKEN)).toBeNull();
      await page.getByLabel('Ops API token').fill(TOKEN);
      await page.getByRole('button', { name: 'Open dashboard' }).click();
      await page.waitForSelector('[data-call-id="existing-call-0001"]', { timeout: 5000 });
      await page.waitForSelector('#conn[data-state="live"]', { timeout: 5000 });
      expect(await page.locator('#token-form').isVisible()).toBe(false);
    } finally {
      await ctx.close();
    }
  });
});

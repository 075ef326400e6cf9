/**
 * The dashboard against a real node, in headless Chromium: a simulated call appears within a second of
 * being answered, its risk turns high live (scripted caller line, real analyzer and policy) and its
 * alert shows up; then the row goes when the call ends. Screenshot: test-artifacts/dashboard-live.png.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNode } from '../../src/app.js';
import { requireBinary } from '../support/binaries.js';
import { ScamLineFactory } from '../support/scam-line-recognizer.js';
import { simulateCall, startTestNode } from './support.js';

const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts');
const TOKEN = 'dashboard-reader-token-0123';
const haveChromium = requireBinary('chromium', 'chromium');

describe.skipIf(!haveChromium)('dashboard on a live node', () => {
  let node: RunningNode;
  let browser: Browser;

  beforeAll(async () => {
    node = await startTestNode({ CALLGUARD_AUTH: 'on', CALLGUARD_API_TOKENS: `reader:${TOKEN}` }, { speech: new ScamLineFactory() });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await node?.close();
  });

  it('shows a call within a second, its risk live, its alert, and drops it when it ends', { timeout: 40_000 }, async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`http://127.0.0.1:${node.addresses.http}/dashboard#token=${TOKEN}`);
    await page.waitForSelector('#conn[data-state="live"]', { timeout: 5000 });

    let answeredAt = 0;
    const sim = simulateCall(node, {
      duration: 4,
      onEvent: (e) => {
        if (e.type === 'answered') answeredAt = Date.now();
      },
    });
    await page.waitForSelector('[data-call-id]', { timeout: 3000 });
    const shownAt = Date.now();
    expect(answeredAt).toBeGreaterThan(0);
    expect(shownAt - answeredAt).toBeLessThan(1000);

    // The caller's line lands 0.5 s into the audio; the badge turns High without a reload.
    await page.waitForSelector('[data-call-id] [data-risk="high"]', { timeout: 5000 });
    expect(await page.locator('[data-call-id] [data-risk] .badge').first().textContent()).toBe('High');
    await page.waitForSelector('#alerts tbody tr[data-alert-id]', { timeout: 5000 });
    const alertRow = (await page.locator('#alerts tbody tr[data-alert-id]').first().textContent()) ?? '';
    expect(alertRow).not.toContain('2125550123');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: resolve(ARTIFACTS, 'dashboard-live.png'), fullPage: true });

    await sim;
    await page.waitForSelector('[data-call-id]', { state: 'detached', timeout: 5000 });
    expect(errors).toEqual([]);
    await page.close();
  });
});

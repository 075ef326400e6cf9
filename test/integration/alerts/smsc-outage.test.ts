/**
 * The operator's SMSC goes away for 20 s while an alert is due: the BullMQ queue (real redis-server)
 * keeps retrying with back-off, the SMPP provider keeps re-binding, and once the SMSC is back the
 * warning is delivered exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertSender } from '../../../src/alerts/alert-service.js';
import { SmppSmsProvider } from '../../../src/alerts/providers/index.js';
import { createAlertQueue } from '../../../src/alerts/queue/index.js';
import type { AlertQueue } from '../../../src/alerts/types.js';
import { silentLogger } from '../../../src/log.js';
import { requireBinary } from '../../support/binaries.js';
import { startRedisServer, type RedisServer } from '../../support/redis-server.js';
import { TestSmsc } from '../../support/smsc-server.js';
import { makeJob } from '../../unit/alerts/queue/fixtures.js';

const ready = requireBinary('redis-server', 'redis-server');

describe.skipIf(!ready)('SMSC outage', () => {
  let redis: RedisServer;
  let smsc: TestSmsc;
  let provider: SmppSmsProvider;
  let queue: AlertQueue;

  beforeAll(async () => {
    redis = await startRedisServer();
    smsc = await new TestSmsc().start();
    provider = new SmppSmsProvider({ url: smsc.url, systemId: smsc.systemId, password: smsc.password, reconnectMs: 200, reconnectMaxMs: 2000, logger: silentLogger() });
    await provider.start();
    await smsc.waitForBound(1);
    const brand = { name: 'Acme', senderId: 'Acme', replyKeyword: 'NOTSCAM' };
    queue = createAlertQueue({
      redisUrl: redis.url,
      keyPrefix: `outage-${process.pid}:`,
      sender: alertSender(provider, { brand, defaultLocale: 'en' }),
      logger: silentLogger(),
      nodeId: 'n1',
      attempts: 30,
      backoffMs: 250,
      maxBackoffMs: 2000,
    });
  });

  afterAll(async () => {
    await queue?.close(1000);
    await provider?.close();
    await smsc?.stop();
    await redis?.close();
  });

  it('delivers once after 20 s down', { timeout: 60_000 }, async () => {
    await smsc.stop();
    const job = makeJob();
    const r = await queue.enqueue(job);
    expect(r.accepted).toBe(true);
    await new Promise((res) => setTimeout(res, 20_000));
    const during = await queue.get(r.id);
    expect(during?.status).toBe('queued');
    expect(during!.attempts).toBeGreaterThanOrEqual(3);
    expect(during!.lastError).toBeTruthy();
    expect(smsc.submits).toHaveLength(0);

    await smsc.start();
    const end = Date.now() + 20_000;
    while ((await queue.get(r.id))?.status !== 'sent' && Date.now() < end) await new Promise((res) => setTimeout(res, 100));
    const after = await queue.get(r.id);
    expect(after?.status).toBe('sent');
    await new Promise((res) => setTimeout(res, 1500));
    expect(smsc.messages()).toHaveLength(1);
    expect(smsc.messages()[0]!.text).toContain('Acme');
    expect(after!.messageIds).toHaveLength(smsc.submits.filter((s) => s.status === 0).length);
  });
});

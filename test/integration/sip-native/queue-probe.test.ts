/** QueueProbe: times how long a datagram waits in a real UDP socket's queue before it is read. */
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { QueueProbe } from '../../../src/sip/native/queue-probe.js';

const closers: Array<() => void> = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

async function reader(onMessage: (msg: Buffer, rinfo: dgram.RemoteInfo) => void): Promise<number> {
  const s = dgram.createSocket('udp4');
  s.on('message', onMessage);
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  closers.push(() => s.close());
  return s.address().port;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('QueueProbe', () => {
  it('reports a short wait when the socket is read promptly, and the full wait when the loop was busy', async () => {
    let probe: QueueProbe | undefined;
    const others: Buffer[] = [];
    const port = await reader((msg, rinfo) => {
      if (!probe?.take(msg, rinfo.port)) others.push(msg);
    });
    probe = new QueueProbe('127.0.0.1', port, 5);
    closers.push(() => probe?.close());
    await sleep(100);
    expect(probe.delayMs()).toBeLessThan(40);
    expect(others).toEqual([]); // every probe was recognised and swallowed
    // Keep the loop busy 60 ms out of every 80: probes sent just before a busy stretch wait in the
    // kernel queue through it, and say so.
    const seen: number[] = [];
    const busy = setInterval(() => {
      seen.push(probe!.delayMs());
      const until = performance.now() + 60;
      while (performance.now() < until);
    }, 20);
    await sleep(800);
    clearInterval(busy);
    expect(Math.max(...seen)).toBeGreaterThanOrEqual(40);
    expect(others).toEqual([]);
  });

  it('takes only its own datagrams: not SIP, not a look-alike from another port or with another token', async () => {
    let probe: QueueProbe | undefined;
    const others: Buffer[] = [];
    const port = await reader((msg, rinfo) => {
      if (!probe?.take(msg, rinfo.port)) others.push(msg);
    });
    probe = new QueueProbe('127.0.0.1', port, 1000);
    closers.push(() => probe?.close());
    const sender = dgram.createSocket('udp4');
    closers.push(() => sender.close());
    await new Promise<void>((r) => sender.bind(0, '127.0.0.1', r));
    const lookAlike = Buffer.alloc(16);
    sender.send(Buffer.from('OPTIONS sip:x SIP/2.0\r\n\r\n'), port, '127.0.0.1');
    sender.send(lookAlike, port, '127.0.0.1');
    await sleep(50);
    expect(others.map((m) => m.length)).toEqual([25, 16]);
  });
});

/**
 * GET /v1/events over a real socket: framing and order, heartbeat, unsubscribe on disconnect, and
 * dropping (not buffering) for a client that stops reading.
 */
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { registerEventRoutes, type EventRoutesDeps, type EventStreamStats } from '../../../src/ops/event-routes.js';
import type { ClusterEvent } from '../../../src/state/types.js';
import { LocalBus } from '../../support/local-bus.js';

/** An open stream: what arrived so far, and a way to wait for more. */
interface Stream {
  req: ClientRequest;
  res: IncomingMessage;
  text(): string;
  waitFor(pred: (text: string) => boolean, timeoutMs?: number): Promise<string>;
}

async function waitUntil(pred: () => boolean, timeoutMs = 2000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function open(port: number, opts: { read?: boolean } = {}): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/events', headers: { accept: 'text/event-stream' } }, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      if (opts.read !== false) res.on('data', (c: string) => (buf += c));
      resolve({
        req,
        res,
        text: () => buf,
        waitFor: async (pred, timeoutMs = 2000) => {
          await waitUntil(() => pred(buf), timeoutMs, `stream text; got ${JSON.stringify(buf.slice(-300))}`);
          return buf;
        },
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Publishes 64 KiB events to a client that does not read until its socket is full. Loopback buffers
 * grow as they fill and 'drain' clears a first drop, so wait until every publish for 200 ms has been
 * dropped: then the kernel has stopped taking data.
 */
async function fill(bus: LocalBus, stats: EventStreamStats): Promise<void> {
  const pad = 'x'.repeat(64 * 1024);
  let lastWritten = Date.now();
  for (let i = 0; stats.dropped === 0 || Date.now() - lastWritten < 200; i++) {
    if (i > 50_000) throw new Error(`socket never filled (dropped ${stats.dropped})`);
    const before = stats.dropped;
    await bus.publish({ type: 'alert', node: 'n1', at: i, alert: { id: `fill${i}`, pad } });
    if (stats.dropped === before) lastWritten = Date.now();
    if (i % 5 === 0) await new Promise((r) => setTimeout(r, 1));
  }
}

const started = (id: string, at: number): ClusterEvent => ({
  type: 'call.started',
  node: 'n1',
  at,
  call: { id, node: 'n1', summary: { id, node: 'n1', subscriber: '+12*******23' }, state: 'live', snapshot: {}, updatedAt: at },
});

describe('GET /v1/events', () => {
  let app: FastifyInstance | undefined;
  const streams: Stream[] = [];
  afterEach(async () => {
    for (const s of streams.splice(0)) s.req.destroy();
    await app?.close();
    app = undefined;
  });

  async function serve(deps: Partial<EventRoutesDeps> = {}): Promise<{ bus: LocalBus; port: number; stats: EventStreamStats }> {
    const bus = new LocalBus();
    app = Fastify();
    const stats = registerEventRoutes(app, { events: bus, ...deps });
    await app.listen({ host: '127.0.0.1', port: 0 });
    return { bus, port: (app.server.address() as AddressInfo).port, stats };
  }

  it('streams published events in order, framed as SSE, after a retry hint', async () => {
    const { bus, port } = await serve();
    const s = await open(port);
    streams.push(s);
    expect(s.res.statusCode).toBe(200);
    expect(s.res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(s.res.headers['cache-control']).toBe('no-cache');
    expect(s.res.headers['x-accel-buffering']).toBe('no');
    await waitUntil(() => bus.listeners.size === 1, 2000, 'subscription');

    const events: ClusterEvent[] = [
      started('c1', 1),
      { type: 'alert', node: 'n1', at: 2, alert: { id: 'a1', subscriber: '+12*******23', note: 'two\nlines' } },
      { type: 'call.ended', node: 'n1', at: 3, callId: 'c1', reason: 'bye' },
      { type: 'node', node: 'n2', at: 4, status: 'down' },
    ];
    for (const e of events) await bus.publish(e);
    const text = await s.waitFor((t) => t.includes('event: node\n'));

    expect(text.startsWith('retry: 2000\n\n')).toBe(true);
    const frames = text.split('\n\n').filter((f) => f.startsWith('event: '));
    expect(frames).toEqual(events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}`));
    // A newline inside a value stays escaped within the one data line.
    expect(JSON.parse(frames[1]!.split('\ndata: ')[1]!)).toEqual(events[1]);
  });

  it('sends a comment heartbeat on the configured interval', async () => {
    const { port } = await serve({ heartbeatMs: 30 });
    const s = await open(port);
    streams.push(s);
    const text = await s.waitFor((t) => t.split(': ping\n\n').length > 2);
    expect(text).toContain(': ping\n\n');
  });

  it('unsubscribes from the bus when the client disconnects', async () => {
    const { bus, port, stats } = await serve({ heartbeatMs: 20 });
    const a = await open(port);
    const b = await open(port);
    streams.push(a, b);
    await waitUntil(() => bus.listeners.size === 2, 2000, 'two subscriptions');
    expect(stats.clients).toBe(2);

    a.req.destroy();
    await waitUntil(() => bus.listeners.size === 1, 2000, 'one listener left');
    expect(stats.clients).toBe(1);
    // The survivor still gets events.
    await bus.publish(started('c2', 5));
    await b.waitFor((t) => t.includes('"id":"c2"'));

    b.req.destroy();
    await waitUntil(() => bus.listeners.size === 0 && stats.clients === 0, 2000, 'no listeners');
  });

  it('closing the app ends open streams instead of hanging', async () => {
    const { bus, port } = await serve();
    const s = await open(port);
    streams.push(s);
    await waitUntil(() => bus.listeners.size === 1, 2000, 'subscription');
    const ended = new Promise<void>((r) => s.res.on('close', () => r()));
    await app!.close();
    app = undefined;
    await ended;
    expect(bus.listeners.size).toBe(0);
  });

  it('drops events for a client that stops reading, counts them, then asks it to resync', async () => {
    const { bus, port, stats } = await serve();
    const s = await open(port, { read: false });
    streams.push(s);
    s.res.pause();
    await waitUntil(() => bus.listeners.size === 1, 2000, 'subscription');

    // 1. Fill the socket: the kernel buffers a few MB on loopback, then write() starts returning false.
    await fill(bus, stats);
    // 2. More events while blocked are dropped too, not queued in the server's memory.
    const before = stats.dropped;
    for (let i = 0; i < 10; i++) await bus.publish(started(`late${i}`, i));
    expect(stats.dropped).toBe(before + 10);

    // 3. Reading again drains the socket; the client is told how many it missed, then events flow.
    let buf = '';
    s.res.on('data', (c: string) => (buf += c));
    s.res.resume();
    // Each drain reports the drops since the previous one: together, every dropped event.
    const reported = () => [...buf.matchAll(/event: resync\ndata: \{"dropped":(\d+)\}/g)].reduce((n, m) => n + Number(m[1]), 0);
    await waitUntil(() => reported() === stats.dropped, 5000, `resync events covering ${stats.dropped} drops`);
    await bus.publish(started('after', 1));
    await waitUntil(() => buf.includes('"id":"after"'), 5000, 'event after drain');
    expect(buf).not.toContain('"id":"late0"');
  });

  it('disconnects a client whose socket stays full past stallMs', async () => {
    let clock = 0;
    const { bus, port, stats } = await serve({ heartbeatMs: 20, stallMs: 1000, now: () => clock });
    const s = await open(port, { read: false });
    streams.push(s);
    s.res.pause();
    await waitUntil(() => bus.listeners.size === 1, 2000, 'subscription');
    await fill(bus, stats);
    // The clock moves on each poll: blocked for 1 s of server time, whenever the block began.
    await waitUntil(() => ((clock += 500), bus.listeners.size === 0 && stats.clients === 0), 2000, 'stalled client disconnected');
  });
});

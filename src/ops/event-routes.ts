/**
 * GET /v1/events: the cluster's event bus as Server-Sent Events, for the dashboard and `curl -N`.
 * A live view, not a log: events carry no id and are not replayed; a client that reconnects (or is
 * told to `resync`) re-reads the REST routes. Auth is the ops server's onRequest hook.
 */
import type { FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { ClusterEvent, EventBus } from '../state/types.js';

export interface EventRoutesDeps {
  events: EventBus;
  now?: () => number;
  /** Comment heartbeat period; proxies and load balancers drop connections idle for ~60 s. */
  heartbeatMs?: number;
  /** Sent as `retry:`; the browser's EventSource waits this long before reconnecting. */
  retryMs?: number;
  /** A client whose socket stayed full this long is disconnected (it reconnects and resyncs). */
  stallMs?: number;
}

/** Counters for metrics and tests. */
export interface EventStreamStats {
  /** Connected clients now. */
  readonly clients: number;
  /** Events dropped because a client's socket buffer was full, over all clients since start. */
  readonly dropped: number;
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  // nginx buffers proxied responses by default, which would hold events back until the buffer fills.
  'x-accel-buffering': 'no',
} as const;

/** One SSE frame. JSON.stringify escapes newlines, so one `data:` line always suffices. */
export const sseFrame = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

interface Client {
  res: ServerResponse;
  /** The socket buffer is full: events are dropped until 'drain'. */
  blockedSince: number | undefined;
  /** Dropped since the last 'drain'; reported to the client as a `resync` event. */
  droppedSinceDrain: number;
  dropped: number;
}

export function registerEventRoutes(app: FastifyInstance, deps: EventRoutesDeps): EventStreamStats {
  const now = deps.now ?? Date.now;
  const heartbeatMs = deps.heartbeatMs ?? 15_000;
  const retryMs = deps.retryMs ?? 2000;
  const stallMs = deps.stallMs ?? 60_000;
  const clients = new Set<Client>();
  let droppedTotal = 0;

  // Writes unless the socket is backed up; a slow client loses events instead of growing our memory.
  const send = (c: Client, chunk: string): void => {
    if (c.blockedSince !== undefined) {
      c.droppedSinceDrain++;
      c.dropped++;
      droppedTotal++;
      return;
    }
    if (!c.res.write(chunk)) c.blockedSince = now();
  };

  // No HEAD twin: node discards a HEAD body, so it would hold a subscription that never sends.
  app.get('/v1/events', { exposeHeadRoute: false }, (req, reply) => {
    // Fastify must not send a reply of its own: the response stays open until the client leaves.
    reply.hijack();
    const res = reply.raw;
    const client: Client = { res, blockedSince: undefined, droppedSinceDrain: 0, dropped: 0 };
    res.writeHead(200, SSE_HEADERS);
    res.write(`retry: ${retryMs}\n\n`);

    const unsubscribe = deps.events.subscribe((event: ClusterEvent) => {
      // The chunk counts as written (not dropped) even when write() returns false: node has queued it.
      send(client, sseFrame(event.type, event));
    });
    const heartbeat = setInterval(() => {
      if (client.blockedSince !== undefined && now() - client.blockedSince >= stallMs) {
        req.log.warn({ dropped: client.dropped }, 'event stream client stalled; disconnecting');
        res.destroy();
        return;
      }
      send(client, ': ping\n\n');
    }, heartbeatMs);
    res.on('drain', () => {
      client.blockedSince = undefined;
      if (client.droppedSinceDrain > 0) {
        // Tell the page it missed events so it re-reads the REST routes rather than showing stale rows.
        const n = client.droppedSinceDrain;
        client.droppedSinceDrain = 0;
        send(client, sseFrame('resync', { dropped: n }));
      }
    });
    res.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      clients.delete(client);
      if (client.dropped > 0) req.log.warn({ dropped: client.dropped }, 'event stream client dropped events (slow reader)');
    });
    // A socket error also emits 'close'; without a listener it would be an uncaught exception.
    res.on('error', () => {});
    clients.add(client);
  });

  // server.close() waits for open connections, and an event stream never ends by itself.
  app.addHook('preClose', async () => {
    for (const c of clients) c.res.end();
  });

  return {
    get clients() {
      return clients.size;
    },
    get dropped() {
      return droppedTotal;
    },
  };
}

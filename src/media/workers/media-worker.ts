/**
 * A media worker thread: owns the UDP sockets of its slice of the RTP port range (today's
 * UdpPortPool and RtpStream, unchanged) and answers the main thread's WorkerPortPool. It pushes the
 * stats of all its streams in one message every `statsMs`, frames of listened-to streams in batches,
 * DTMF as it comes, and a stream's final stats when it closes. A message it does not understand is a
 * bug: it throws, the thread dies, and the pool reports and replaces it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { UdpPortPool } from '../udp-port-pool.js';
import type { RtpEndpoint } from '../types.js';
import { FrameBatcher } from './frame-batcher.js';
import { Outbox, packStats, STATS_FIELDS, type FromWorker, type ToWorker, type WorkerSetup } from './protocol.js';

if (!parentPort) throw new Error('media-worker.ts runs as a worker thread');
const port = parentPort;
const setup = workerData as WorkerSetup;

const send = (msg: FromWorker, transfer?: ArrayBuffer[]): void => port.postMessage(msg, transfer ?? []);
/** Answers to allocate and close, posted together when queued together. */
const control = new Outbox<FromWorker>((msg, transfer) => port.postMessage(msg, transfer));

// Log records go to the main thread's logger (one destination, one format).
const logger = pino(
  { level: setup.logLevel, base: { mod: 'media-worker' } },
  { write: (line: string) => send({ t: 'log', line }) },
);

const pool = new UdpPortPool({
  host: setup.host,
  min: setup.min,
  max: setup.max,
  prebound: setup.prebound,
  keepBound: setup.keepBound,
  ...(setup.reuseAfterMs !== undefined ? { reuseAfterMs: setup.reuseAfterMs } : {}),
  ...(setup.recvBufferBytes !== undefined ? { recvBufferBytes: setup.recvBufferBytes } : {}),
  logger,
});

interface Held {
  ep: RtpEndpoint;
  unlisten: (() => void) | undefined;
}
const streams = new Map<number, Held>();
const frames = new FrameBatcher((batch, transfer) => send(batch, transfer), setup.frameBatchMs);

function pushStats(): void {
  const ids = new Int32Array(streams.size);
  const data = new Float64Array(streams.size * STATS_FIELDS);
  const labels: string[] = [];
  let i = 0;
  for (const [id, s] of streams) {
    ids[i] = id;
    packStats(s.ep.stats(), data, i * STATS_FIELDS, labels);
    i++;
  }
  send({ t: 'stats', ids, data, labels, free: pool.free }, [ids.buffer, data.buffer] as ArrayBuffer[]);
}
const statsTimer = setInterval(pushStats, setup.statsMs);

async function allocate(id: number): Promise<void> {
  let ep: RtpEndpoint;
  try {
    ep = await pool.allocate();
  } catch {
    control.push({ t: 'refused', id, free: pool.free });
    return;
  }
  ep.onDtmf((event) => send({ t: 'dtmf', id, event }));
  streams.set(id, { ep, unlisten: undefined });
  control.push({ t: 'allocated', id, port: ep.port, free: pool.free });
}

async function close(id: number): Promise<void> {
  const s = streams.get(id);
  if (!s) throw new Error(`close of unknown stream ${id}`);
  streams.delete(id);
  await s.ep.close();
  // Frames the close played out go before the final stats, so the main thread has them when close() resolves.
  frames.flush();
  const data = new Float64Array(STATS_FIELDS);
  const labels: string[] = [];
  packStats(s.ep.stats(), data, 0, labels);
  control.later({ t: 'closed', id, data, labels, free: pool.free }, [data.buffer] as ArrayBuffer[]);
}

function stream(id: number): Held {
  const s = streams.get(id);
  if (!s) throw new Error(`unknown stream ${id}`);
  return s;
}

function handle(msg: ToWorker): void {
  switch (msg.t) {
    case 'batch':
      for (const m of msg.msgs) handle(m);
      return;
    case 'allocate':
      void allocate(msg.id);
      return;
    case 'configure':
      stream(msg.id).ep.configure(msg.config);
      return;
    case 'listen': {
      const s = stream(msg.id);
      if (msg.on && !s.unlisten) s.unlisten = s.ep.onFrame((frame) => frames.add(msg.id, frame));
      else if (!msg.on && s.unlisten) {
        s.unlisten();
        s.unlisten = undefined;
      }
      return;
    }
    case 'close':
      void close(msg.id);
      return;
    case 'shutdown':
      clearInterval(statsTimer);
      void pool.close().then(() => {
        frames.flush();
        frames.close();
        control.flush();
        send({ t: 'down' });
        port.close();
      });
      return;
    default:
      throw new Error(`media worker: unknown message ${JSON.stringify(msg)}`);
  }
}

port.on('message', handle);

void pool.warm().then(() => send({ t: 'ready', free: pool.free }));

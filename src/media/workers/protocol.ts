/**
 * The messages between the main thread's WorkerPortPool and a media worker. Streams are named by an
 * id the main thread gives at allocation (a port is reused after close; an id never is). Bulk data
 * travels as typed arrays whose buffers are transferred, not copied: stats as one Float64Array of
 * STATS_FIELDS numbers per stream, frames as parallel arrays plus one Int16Array of samples.
 */
import type { DtmfEvent, StreamConfig, StreamStats } from '../types.js';

/** What the worker is told at start (workerData). */
export interface WorkerSetup {
  host: string;
  /** This worker's slice of the RTP port range, inclusive. */
  min: number;
  max: number;
  prebound: number;
  /** Released pairs kept bound for reuse (UdpPortPoolOptions.keepBound). */
  keepBound: number;
  reuseAfterMs?: number;
  recvBufferBytes?: number;
  /** pino level name; the worker's records are forwarded to the main thread's logger. */
  logLevel: string;
  /** How often stats are pushed (ms). */
  statsMs: number;
  /** Longest a decoded frame waits to be batched (ms). */
  frameBatchMs: number;
}

export type ToWorker =
  | { t: 'allocate'; id: number }
  | { t: 'configure'; id: number; config: StreamConfig }
  /** A frame listener exists (on) or no longer (off): the worker decodes and sends frames only when on. */
  | { t: 'listen'; id: number; on: boolean }
  | { t: 'close'; id: number }
  | { t: 'shutdown' }
  /** Control messages queued together, in order (a postMessage each cost more than the work). */
  | { t: 'batch'; msgs: ToWorker[] };

export interface FrameBatch {
  t: 'frames';
  n: number;
  ids: Int32Array;
  timestamps: Float64Array;
  /** Bit 0: concealed; bit 1: 16 kHz (320 samples), else 8 kHz (160). */
  flags: Uint8Array;
  samples: Int16Array;
}

export interface StatsBatch {
  t: 'stats';
  ids: Int32Array;
  data: Float64Array;
  /** Codec labels the data's codec field indexes. */
  labels: string[];
  free: number;
}

export type FromWorker =
  | { t: 'ready'; free: number }
  | { t: 'allocated'; id: number; port: number; free: number }
  | { t: 'refused'; id: number; free: number }
  | { t: 'closed'; id: number; data: Float64Array; labels: string[]; free: number }
  | { t: 'dtmf'; id: number; event: DtmfEvent }
  | { t: 'log'; line: string }
  | { t: 'down' }
  /** Control messages (allocated, refused, closed) queued together, in order. */
  | { t: 'batch'; msgs: FromWorker[] }
  | FrameBatch
  | StatsBatch;

/**
 * Queues control messages and posts them together once the code that queued them has run (a
 * microtask): one message alone as itself, several as one `batch`. A call's streams are allocated,
 * configured and closed together; a postMessage each was a large share of a call's CPU. Not later
 * than a microtask: a configure or a listen must reach the worker before the call's 200 OK goes out
 * and its media starts (a frame listener attached a turn late misses the first frames).
 *
 * What no call waits for (a close and its final stats) goes `later`: it lingers up to LINGER_MS, or
 * until the next urgent message, so at hundreds of calls a second the closes of many calls wake the
 * other thread once instead of once each.
 */
export class Outbox<M extends { t: string }> {
  private queued: M[] = [];
  private transfer: ArrayBuffer[] = [];
  private urgent = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly post: (msg: M | { t: 'batch'; msgs: M[] }, transfer: ArrayBuffer[]) => void) {}

  push(msg: M, transfer?: ArrayBuffer[]): void {
    this.queued.push(msg);
    if (transfer) this.transfer.push(...transfer);
    if (this.urgent) return;
    this.urgent = true;
    queueMicrotask(() => this.flush());
  }

  /** Queues a message that may wait up to LINGER_MS for company. */
  later(msg: M, transfer?: ArrayBuffer[]): void {
    this.queued.push(msg);
    if (transfer) this.transfer.push(...transfer);
    if (this.urgent || this.timer) return;
    this.timer = setTimeout(() => this.flush(), LINGER_MS);
    this.timer.unref();
  }

  /** Posts what is queued now (before a message that must follow it, such as shutdown). */
  flush(): void {
    this.urgent = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const msgs = this.queued;
    if (msgs.length === 0) return;
    const transfer = this.transfer;
    this.queued = [];
    this.transfer = [];
    this.post(msgs.length === 1 ? msgs[0]! : { t: 'batch', msgs }, transfer);
  }
}

/** The longest a `later` message waits (ms): well under anything an operator or a test notices. */
export const LINGER_MS = 10;

export const STATS_FIELDS = 16;

/** Writes `s` at `data[at…]`; `labels` collects codec labels (few per batch). */
export function packStats(s: StreamStats, data: Float64Array, at: number, labels: string[]): void {
  data[at] = s.packets;
  data[at + 1] = s.bytes;
  data[at + 2] = s.lost;
  data[at + 3] = s.late;
  data[at + 4] = s.duplicates;
  data[at + 5] = s.reordered;
  data[at + 6] = s.jitterMs;
  data[at + 7] = s.ssrc ?? -1;
  data[at + 8] = s.ssrcChanges;
  data[at + 9] = s.audioSeconds;
  data[at + 10] = s.lastPacketAt ?? -1;
  data[at + 11] = s.wrongSource;
  data[at + 12] = s.srtpAuthFailures;
  data[at + 13] = s.malformed;
  data[at + 14] = s.senderReports;
  let codec = -1;
  if (s.codec !== undefined) {
    codec = labels.indexOf(s.codec);
    if (codec < 0) codec = labels.push(s.codec) - 1;
  }
  data[at + 15] = codec;
}

export function unpackStats(data: Float64Array, at: number, labels: readonly string[]): StreamStats {
  const s: StreamStats = {
    packets: data[at]!,
    bytes: data[at + 1]!,
    lost: data[at + 2]!,
    late: data[at + 3]!,
    duplicates: data[at + 4]!,
    reordered: data[at + 5]!,
    jitterMs: data[at + 6]!,
    ssrcChanges: data[at + 8]!,
    audioSeconds: data[at + 9]!,
    wrongSource: data[at + 11]!,
    srtpAuthFailures: data[at + 12]!,
    malformed: data[at + 13]!,
    senderReports: data[at + 14]!,
  };
  const codec = data[at + 15]!;
  if (codec >= 0) s.codec = labels[codec]!;
  if (data[at + 7]! >= 0) s.ssrc = data[at + 7]!;
  if (data[at + 10]! >= 0) s.lastPacketAt = data[at + 10]!;
  return s;
}

/**
 * Main-thread stand-in for an endpoint a media worker owns. It keeps RtpEndpoint's contract:
 * configure() is forwarded; stats() is synchronous and answers from the latest batch the worker
 * pushed (at most one push period old) — after close() resolved, the worker's final stats;
 * frames arrive in order, and the worker is asked for them only while a listener exists.
 */
import type { DtmfEvent, PcmFrame, RtpEndpoint, StreamConfig, StreamStats } from '../types.js';
import { unpackStats } from './protocol.js';
import { notifyAll } from '../notify.js';

const NO_STATS: StreamStats = {
  packets: 0,
  bytes: 0,
  lost: 0,
  late: 0,
  duplicates: 0,
  reordered: 0,
  jitterMs: 0,
  ssrcChanges: 0,
  audioSeconds: 0,
  wrongSource: 0,
  srtpAuthFailures: 0,
  malformed: 0,
  senderReports: 0,
};

/** What the endpoint asks of its worker. */
export interface WorkerLink {
  configure(id: number, config: StreamConfig): void;
  listen(id: number, on: boolean): void;
  /** Resolves once the worker sent the final stats (or the worker is gone). */
  close(id: number): Promise<void>;
}

export class WorkerEndpoint implements RtpEndpoint {
  private frameListeners: ((frame: PcmFrame) => void)[] = [];
  private dtmfListeners: ((event: DtmfEvent) => void)[] = [];
  private readonly failed = (err: unknown): void => this.listenerFailed(err);
  /** The latest pushed stats, kept packed and unpacked on demand (most are never read). */
  private data: Float64Array | undefined;
  private at = 0;
  private labels: readonly string[] = [];
  private cached: StreamStats | undefined;
  private closing: Promise<void> | undefined;
  private listenerErrors = 0;

  constructor(
    readonly id: number,
    readonly port: number,
    private readonly link: WorkerLink,
    private readonly onListenerError: (err: unknown) => void,
  ) {}

  configure(config: StreamConfig): void {
    if (!this.closing) this.link.configure(this.id, config);
  }

  stats(): StreamStats {
    if (this.cached) return { ...this.cached };
    if (!this.data) return { ...NO_STATS };
    this.cached = unpackStats(this.data, this.at, this.labels);
    return { ...this.cached };
  }

  /** A stats push (or the final stats) from the worker. */
  update(data: Float64Array, at: number, labels: readonly string[]): void {
    this.data = data;
    this.at = at;
    this.labels = labels;
    this.cached = undefined;
  }

  onFrame(listener: (frame: PcmFrame) => void): () => void {
    this.frameListeners = [...this.frameListeners, listener];
    if (this.frameListeners.length === 1 && !this.closing) this.link.listen(this.id, true);
    return () => {
      const before = this.frameListeners.length;
      this.frameListeners = this.frameListeners.filter((l) => l !== listener);
      if (before > 0 && this.frameListeners.length === 0 && !this.closing) this.link.listen(this.id, false);
    };
  }

  onDtmf(listener: (event: DtmfEvent) => void): () => void {
    this.dtmfListeners = [...this.dtmfListeners, listener];
    return () => {
      this.dtmfListeners = this.dtmfListeners.filter((l) => l !== listener);
    };
  }

  frame(frame: PcmFrame): void {
    notifyAll(this.frameListeners, frame, this.failed);
  }

  dtmf(event: DtmfEvent): void {
    notifyAll(this.dtmfListeners, event, this.failed);
  }

  close(): Promise<void> {
    this.closing ??= this.link.close(this.id).then(() => {
      this.frameListeners = [];
      this.dtmfListeners = [];
    });
    return this.closing;
  }

  private listenerFailed(err: unknown): void {
    // The first few only: a listener that throws on every frame must not flood the log.
    if (++this.listenerErrors <= 3) this.onListenerError(err);
  }
}

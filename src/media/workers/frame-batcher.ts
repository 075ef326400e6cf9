/**
 * Worker side: decoded frames of the listened-to streams, gathered for up to `maxWaitMs` (or until
 * `flush()`) and posted as one FrameBatch whose buffers are transferred. A batch costs one message
 * instead of one per frame; a frame waits at most one batch period (20 ms: one frame's worth).
 */
import type { PcmFrame } from '../types.js';
import type { FrameBatch } from './protocol.js';

const FIRST_CAPACITY = 64;

export class FrameBatcher {
  private n = 0;
  private capacity = 0;
  private ids = new Int32Array(0);
  private timestamps = new Float64Array(0);
  private flags = new Uint8Array(0);
  private samples = new Int16Array(0);
  /** Samples written so far. */
  private used = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly post: (batch: FrameBatch, transfer: ArrayBuffer[]) => void,
    private readonly maxWaitMs: number,
  ) {}

  add(id: number, frame: PcmFrame): void {
    if (this.n === this.capacity) this.grow();
    const size = frame.samples.length;
    if (this.used + size > this.samples.length) this.growSamples(this.used + size);
    const i = this.n++;
    this.ids[i] = id;
    this.timestamps[i] = frame.timestamp;
    this.flags[i] = (frame.concealed ? 1 : 0) | (frame.sampleRate === 16000 ? 2 : 0);
    this.samples.set(frame.samples, this.used);
    this.used += size;
    this.timer ??= setTimeout(() => this.flush(), this.maxWaitMs);
  }

  /** Posts what is gathered now (a stream closing, shutdown). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.n === 0) return;
    const batch: FrameBatch = {
      t: 'frames',
      n: this.n,
      ids: this.ids,
      timestamps: this.timestamps,
      flags: this.flags,
      samples: this.samples,
    };
    this.post(batch, [this.ids.buffer, this.timestamps.buffer, this.flags.buffer, this.samples.buffer] as ArrayBuffer[]);
    // The buffers went with the message: start afresh at the size this batch needed.
    const cap = this.capacity;
    const room = this.samples.length;
    this.n = 0;
    this.used = 0;
    this.capacity = 0;
    this.ids = new Int32Array(0);
    this.timestamps = new Float64Array(0);
    this.flags = new Uint8Array(0);
    this.samples = new Int16Array(0);
    this.reserve(cap, room);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private grow(): void {
    this.reserve(Math.max(FIRST_CAPACITY, this.capacity * 2), this.samples.length);
  }

  private growSamples(min: number): void {
    const next = new Int16Array(Math.max(min, this.samples.length * 2, FIRST_CAPACITY * 160));
    next.set(this.samples.subarray(0, this.used));
    this.samples = next;
  }

  private reserve(capacity: number, sampleRoom: number): void {
    if (capacity > this.capacity) {
      const ids = new Int32Array(capacity);
      ids.set(this.ids.subarray(0, this.n));
      const ts = new Float64Array(capacity);
      ts.set(this.timestamps.subarray(0, this.n));
      const flags = new Uint8Array(capacity);
      flags.set(this.flags.subarray(0, this.n));
      this.ids = ids;
      this.timestamps = ts;
      this.flags = flags;
      this.capacity = capacity;
    }
    if (sampleRoom > this.samples.length) this.growSamples(sampleRoom);
  }
}

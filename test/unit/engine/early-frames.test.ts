import { describe, expect, it } from 'vitest';
import { EarlyFrames } from '../../../src/engine/early-frames.js';
import type { PcmFrame } from '../../../src/media/types.js';

const frame = (timestamp: number): PcmFrame => ({ samples: new Int16Array(160), sampleRate: 8000, timestamp, concealed: false });

describe('EarlyFrames', () => {
  it('keeps the first frames up to its bound, counts the rest, and hands the kept ones over in order once', () => {
    const early = new EarlyFrames(3);
    for (let t = 0; t < 100; t += 20) early.push(frame(t));
    expect(early.dropped).toBe(2);
    const got: number[] = [];
    early.drain((f) => got.push(f.timestamp));
    expect(got).toEqual([0, 20, 40]);
    early.push(frame(100));
    early.drain((f) => got.push(f.timestamp));
    expect(got).toEqual([0, 20, 40]);
  });
});

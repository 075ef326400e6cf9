/**
 * Media end to end with sipp as the SRC: sipp streams 2 s of μ-law audio (rtp_stream) on the first
 * m-line, then goes silent without BYE. The ops API shows the packets the stream received, and
 * callguard ends the call once CALLGUARD_MEDIA_TIMEOUT passes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNode } from '../../src/app.js';
import { requireBinary } from '../support/binaries.js';
import { SCENARIOS, explain, pollLiveCall, runSipp, startTestNode } from './support.js';

const ready = requireBinary('sipp', 'sip-tester') && requireBinary('sox', 'sox');

describe.skipIf(!ready)('RTP from sipp', () => {
  let node: RunningNode;
  let scenario: string;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-media-'));
    const wav = join(dir, 'tone.wav');
    execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-e', 'mu-law', wav, 'synth', '2', 'sine', '1000', 'vol', '0.5']);
    scenario = join(dir, 'scenario.xml');
    writeFileSync(scenario, readFileSync(join(SCENARIOS, 'uac-rtp-then-silence-expect-bye.xml'), 'utf8').replaceAll('[rtp_file]', wav));
    node = await startTestNode({ CALLGUARD_MEDIA_TIMEOUT: '1.5' });
  });
  afterAll(async () => {
    await node?.close();
  });

  it('counts what arrived, shows it on GET /v1/calls/:id, and ends the call when media stops', { timeout: 30_000 }, async () => {
    const sipp = runSipp({ scenario, port: node.addresses.sipUdp!, mediaPort: 41000 + (process.pid % 500) * 4 });
    const poll = pollLiveCall<{ streams: Array<{ index: number; media?: { packets: number; lost: number; jitterMs: number } }> }>(node);
    const run = await sipp;
    await poll.stop();
    const last = poll.latest();
    expect(run.code, explain(run)).toBe(0);
    const first = last?.streams.find((s) => s.index === 0)?.media;
    const second = last?.streams.find((s) => s.index === 1)?.media;
    // 2 s at 50 packets/s from sipp's rtp_stream.
    expect(first?.packets).toBeGreaterThanOrEqual(95);
    expect(first?.packets).toBeLessThanOrEqual(102);
    expect(first?.lost).toBe(0);
    expect(second?.packets ?? 0).toBe(0);
    expect(node.engine.listCalls()).toHaveLength(0);
    expect(node.engine.endReasons['media-timeout']).toBe(1);
  });
});

/**
 * `callguard simulate` against a node started in this process: a whole SIPREC recording over UDP
 * and over TCP, with 2 s of audio per party, a hold from 0.5 s to 1 s and session refreshes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNode } from '../../src/app.js';
import type { CallSummary } from '../../src/engine/index.js';
import { runSimulation, type SimulationEvent } from '../../src/simulate/index.js';
import { hasBinary, requireBinary } from '../support/binaries.js';
import { CALLER, SUBSCRIBER, pollLiveCall, startTestNode, waitFor } from './support.js';

const haveSox = requireBinary('sox', 'sox');

describe.skipIf(!haveSox)('callguard simulate against a node', () => {
  let node: RunningNode;
  let dir: string;
  const audio = { caller: '', subscriber: '' };

  beforeAll(async () => {
    node = await startTestNode();
    dir = mkdtempSync(join(tmpdir(), 'cg-simulate-'));
    // The caller: a 2 s tone at 16 kHz, so the run also resamples to the codec's 8 kHz.
    audio.caller = join(dir, 'caller.wav');
    execFileSync('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', audio.caller, 'synth', '2', 'sine', '440', 'vol', '0.3']);
    // The subscriber: flite speech cut or padded to exactly 2 s, telephone band (offline-speech.md);
    // a second tone when flite is not installed.
    audio.subscriber = join(dir, 'subscriber.wav');
    if (hasBinary('flite')) {
      const raw = join(dir, 'speech.wav');
      execFileSync('flite', ['-voice', 'kal16', '-t', 'Hello, this is your bank. Nothing is wrong.', '-o', raw]);
      execFileSync('sox', ['-V1', raw, '-r', '8000', '-c', '1', '-b', '16', audio.subscriber, 'sinc', '300-3400', 'pad', '0', '2', 'trim', '0', '2']);
    } else {
      execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', audio.subscriber, 'synth', '2', 'sine', '660', 'vol', '0.3']);
    }
  });

  afterAll(async () => {
    await node?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const transport of ['udp', 'tcp'] as const) {
    it(`records a call with hold, resume and refreshes over ${transport}`, async () => {
      const port = (transport === 'tcp' ? node.addresses.sipTcp : node.addresses.sipUdp)!;
      const events: SimulationEvent[] = [];
      let live: CallSummary[] = [];
      let heldSeen: CallSummary[] = [];
      const result = await runSimulation({
        target: { host: '127.0.0.1', port },
        transport,
        caller: CALLER,
        subscriber: SUBSCRIBER,
        codec: 'pcmu',
        callerAudio: { kind: 'file', path: audio.caller },
        subscriberAudio: { kind: 'file', path: audio.subscriber },
        holdAt: 0.5,
        resumeAt: 1,
        // Default duration: 2 s of audio + 0.5 s held + 0.5 s tail = 3 s. Refreshes at 1.2 and 2.4 s.
        refresh: 1.2,
        onEvent: (e) => {
          events.push(e);
          if (e.type === 'answered') live = node.engine.listCalls();
          if (e.type === 'resumed') heldSeen = node.engine.listCalls();
        },
      });

      expect(result.error).toBeUndefined();
      expect(result).toMatchObject({ answered: true, endedBy: 'us', clean: true });
      expect(result.responses).toEqual([
        { method: 'INVITE', code: 100 },
        { method: 'INVITE', code: 200 },
        { method: 'INVITE', code: 100 }, // hold
        { method: 'INVITE', code: 200 },
        { method: 'INVITE', code: 100 }, // resume
        { method: 'INVITE', code: 200 },
        { method: 'UPDATE', code: 200 }, // refreshes
        { method: 'UPDATE', code: 200 },
        { method: 'BYE', code: 200 },
      ]);

      // 3 s at 50 packets/s, minus the 0.5 s held: 125 per stream.
      for (const party of ['caller', 'subscriber'] as const) {
        expect(result.packetsSent[party]).toBeGreaterThanOrEqual(120);
        expect(result.packetsSent[party]).toBeLessThanOrEqual(129);
      }
      expect(result.durationMs).toBeGreaterThanOrEqual(3000);
      expect(result.durationMs).toBeLessThan(4500);
      expect(events.filter((e) => e.type === 'audio-ended').map((e) => (e as { party: string }).party).sort()).toEqual(['caller', 'subscriber']);

      // The call was live on the node, under our Call-ID, with the roles from our metadata.
      const call = live.find((c) => c.sipCallId === result.callId);
      expect(call).toBeDefined();
      expect(call!.participants.map((p) => p.role).sort()).toEqual(['caller', 'subscriber']);
      expect(call!.streams.map((s) => [s.label, s.role])).toEqual([
        ['1', 'caller'],
        ['2', 'subscriber'],
      ]);
      expect(heldSeen.find((c) => c.sipCallId === result.callId)?.streams.every((s) => !s.held)).toBe(true);

      // Ended cleanly: nothing left on the node.
      await waitFor(() => node.engine.stats().calls === 0 && node.engine.stats().rtpPortsInUse === 0, 3000);
    });
  }

  it('a hold longer than the media timeout does not end the call; the API counts what was sent', async () => {
    // The exact counts are the main-thread pool's: with media workers the API's numbers trail by up to
    // their 500 ms stats push (docs/media.md), more than the five packets this test allows.
    const strict = await startTestNode({ CALLGUARD_MEDIA_TIMEOUT: '1', CALLGUARD_MEDIA_WORKERS: '0' });
    try {
      const poll = pollLiveCall<{ streams: Array<{ label?: string; codec?: string; media?: { packets: number; lost: number } }> }>(strict);
      const result = await runSimulation({
        target: { host: '127.0.0.1', port: strict.addresses.sipUdp! },
        transport: 'udp',
        caller: CALLER,
        subscriber: SUBSCRIBER,
        codec: 'pcma',
        callerAudio: { kind: 'file', path: audio.caller },
        subscriberAudio: { kind: 'file', path: audio.subscriber },
        // Held for 2 s, twice the media timeout: no packets, and no hangup.
        holdAt: 0.5,
        resumeAt: 2.5,
      });
      await poll.stop();
      const last = poll.latest();
      expect(result).toMatchObject({ answered: true, endedBy: 'us', clean: true });
      expect(strict.engine.endReasons['media-timeout']).toBeUndefined();
      for (const [label, party] of [['1', 'caller'], ['2', 'subscriber']] as const) {
        const media = last?.streams.find((s) => s.label === label);
        expect(media?.codec).toBe('PCMA/8000');
        expect(media?.media?.lost).toBe(0);
        // The last poll can trail the BYE by up to 100 ms: five packets.
        expect(media?.media?.packets).toBeLessThanOrEqual(result.packetsSent[party]);
        expect(media?.media?.packets).toBeGreaterThanOrEqual(result.packetsSent[party] - 8);
      }
    } finally {
      await strict.close();
    }
  });

  it('exposes each party as 20 ms PCM frames on a gap-free timeline, audio where audio was sent', async () => {
    const frames = new Map<string, { n: number; loud: number; last: number; gaps: number }>();
    let wrongSize = 0;
    let off: (() => void) | undefined;
    const result = await runSimulation({
      target: { host: '127.0.0.1', port: node.addresses.sipUdp! },
      transport: 'udp',
      caller: CALLER,
      subscriber: SUBSCRIBER,
      codec: 'g722',
      callerAudio: { kind: 'file', path: audio.caller },
      subscriberAudio: { kind: 'file', path: audio.subscriber },
      onEvent: (e) => {
        if (e.type !== 'answered') return;
        const call = node.engine.listCalls().find((c) => c.sipCallId === e.callId);
        off = node.engine.subscribeAudio(call!.id, (frame, stream) => {
          const key = stream.role ?? '?';
          const f = frames.get(key) ?? { n: 0, loud: 0, last: -20, gaps: 0 };
          if (frame.timestamp !== f.last + 20) f.gaps++;
          f.last = frame.timestamp;
          f.n++;
          let energy = 0;
          for (const x of frame.samples) energy += x * x;
          // G.722 decodes to 16 kHz: 320 samples a frame.
          if (frame.samples.length !== 320 || frame.sampleRate !== 16000) wrongSize++;
          if (Math.sqrt(energy / frame.samples.length) > 500) f.loud++;
          frames.set(key, f);
        });
      },
    });
    off?.();
    expect(result).toMatchObject({ answered: true, clean: true });
    expect(wrongSize).toBe(0);
    for (const role of ['caller', 'subscriber']) {
      const f = frames.get(role)!;
      // 2 s of audio + 0.5 s tail at 50 frames/s; the first frame can land after subscription.
      expect(f.n).toBeGreaterThanOrEqual(115);
      expect(f.n).toBeLessThanOrEqual(127);
      expect(f.gaps).toBe(0);
    }
    // The caller's tone fills about 2 s of frames; the tail is silence.
    expect(frames.get('caller')!.loud).toBeGreaterThanOrEqual(90);
    expect(frames.get('caller')!.loud).toBeLessThanOrEqual(102);
  });
});

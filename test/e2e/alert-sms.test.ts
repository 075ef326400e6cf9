/**
 * The whole chain on one node with its development defaults: `callguard simulate` speaks a scam in the
 * caller's voice (flite), the offline recognizer transcribes it, the local analyzer and escalation
 * policy raise the alert, the in-process queue sends it, and the `file` SMS sink gets exactly one
 * line — while the call is still up. A benign call gets none.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNode } from '../../src/app.js';
import { OfflineRecognizerFactory } from '../../src/speech/offline/index.js';
import { requireBinary } from '../support/binaries.js';
import { CALLER, SPOKEN_SCAM, SUBSCRIBER, simulateCall, startTestNode, waitFor } from './support.js';

const ready =
  requireBinary('pocketsphinx_continuous', 'pocketsphinx') && requireBinary('flite', 'flite') && OfflineRecognizerFactory.available();

interface SinkLine {
  to: string;
  text: string;
  callId: string;
  sentAt: string;
}

describe.skipIf(!ready)('scam call → one SMS in the file sink, during the call', () => {
  let node: RunningNode;
  let dir: string;
  let sink: string;
  const lines = (): SinkLine[] => {
    try {
      return readFileSync(sink, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as SinkLine);
    } catch {
      return [];
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'callguard-sms-e2e-'));
    sink = join(dir, 'sms.jsonl');
    node = await startTestNode({ CALLGUARD_SPEECH: 'offline', CALLGUARD_SMS: `file:${sink}`, CALLGUARD_SMS_BRAND: 'Acme Mobile' });
  });
  afterAll(async () => {
    await node?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = (sayCaller: string, saySubscriber: string) => {
    let byeAt = 0;
    const done = simulateCall(node, {
      callerAudio: { kind: 'say', text: sayCaller },
      subscriberAudio: { kind: 'say', text: saySubscriber },
      // Room after the last word for the recognizer to finish the phrase; the SMS must come before the BYE.
      duration: 14,
      onEvent: (e) => {
        if (e.type === 'request' && e.method === 'BYE' && !byeAt) byeAt = Date.now();
      },
    }).then((r) => ({ ...r, byeAt }));
    return done;
  };

  it('sends exactly one branded SMS to the subscriber before the call ends', { timeout: 60_000 }, async () => {
    const result = await call(
      SPOKEN_SCAM,
      'Oh no. What do I need to do?',
    );
    expect(result).toMatchObject({ answered: true, clean: true });
    await waitFor(() => lines().length > 0, 5000);
    const got = lines();
    expect(got).toHaveLength(1);
    const sms = got[0]!;
    expect(sms.to).toBe(SUBSCRIBER);
    expect(sms.text).toContain('Acme Mobile');
    expect(sms.text).toContain('NOTSCAM');
    expect(sms.text).not.toContain(CALLER.slice(1));
    expect(sms.callId).toBe(node.engine.alerts.toArray()[0]!.callId);
    expect(Date.parse(sms.sentAt)).toBeLessThan(result.byeAt);
    const [record] = await node.alertQueue.list();
    expect(record).toMatchObject({ status: 'sent', attempts: 1, callId: sms.callId });
  });

  it('sends nothing for a benign call', { timeout: 60_000 }, async () => {
    const result = await call("Hi, this is the dentist's office calling to confirm your appointment on Tuesday at three.", 'Yes, that works for me. Thank you.');
    expect(result).toMatchObject({ answered: true, clean: true });
    await new Promise((r) => setTimeout(r, 1000));
    expect(lines()).toHaveLength(1); // still only the scam call's
    expect((await node.alertQueue.stats()).sent).toBe(1);
  });
});

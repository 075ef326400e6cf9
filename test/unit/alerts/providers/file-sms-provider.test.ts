import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSmsProvider, type FileSmsRecord } from '../../../../src/alerts/providers/file/index.js';
import { SmsError, type SmsMessage } from '../../../../src/alerts/types.js';

let dir: string;

function msg(i: number, text = `Warning ${i}: hang up.`): SmsMessage {
  return { to: '+447700900123', from: 'CallGuard', text, reference: `alert-${i}`, callId: `call-${i}` };
}

async function lines(path: string): Promise<FileSmsRecord[]> {
  const raw = await readFile(path, 'utf8');
  expect(raw.endsWith('\n')).toBe(true);
  return raw.trimEnd().split('\n').map((l) => JSON.parse(l) as FileSmsRecord);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'callguard-file-sms-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FileSmsProvider', () => {
  it('creates the parent directory and appends one JSON line per SMS', async () => {
    const path = join(dir, 'nested/deeper/sms.jsonl');
    const p = new FileSmsProvider({ path });
    const before = Date.now();
    expect(await p.send(msg(1))).toEqual({ messageIds: ['file-alert-1'], segments: 1 });
    expect(await p.send(msg(2, 'ж'.repeat(100)))).toEqual({ messageIds: ['file-alert-2'], segments: 2 });

    const [a, b] = await lines(path);
    expect(a).toMatchObject({ to: '+447700900123', from: 'CallGuard', text: 'Warning 1: hang up.', callId: 'call-1', reference: 'alert-1', segments: 1, encoding: 'gsm7', messageId: 'file-alert-1' });
    expect(new Date(a!.sentAt).toISOString()).toBe(a!.sentAt);
    expect(Date.parse(a!.sentAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(b).toMatchObject({ segments: 2, encoding: 'ucs2', text: 'ж'.repeat(100) });
  });

  it('keeps lines whole under concurrent sends, newlines in the text included', async () => {
    const path = join(dir, 'sms.jsonl');
    const p = new FileSmsProvider({ path });
    const big = 'x'.repeat(20_000);
    await Promise.all(Array.from({ length: 50 }, (_, i) => p.send(msg(i, `${i}\n${big}`))));
    const records = await lines(path);
    expect(records).toHaveLength(50);
    expect(new Set(records.map((r) => r.reference)).size).toBe(50);
    for (const r of records) expect(r.text).toBe(`${r.reference.slice('alert-'.length)}\n${big}`);
  });

  it('reports a parent that is a file as a permanent error, and refuses sends after close', async () => {
    const blocker = join(dir, 'file');
    await writeFile(blocker, '');
    const bad = new FileSmsProvider({ path: join(blocker, 'sms.jsonl') }); // parent is a file
    const err = await bad.send(msg(1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmsError);
    expect(err).toMatchObject({ retryable: false, code: expect.stringMatching(/^FILE_E(EXIST|NOTDIR)$/) });

    const p = new FileSmsProvider({ path: join(dir, 'ok.jsonl') });
    await p.close();
    await expect(p.send(msg(1))).rejects.toMatchObject({ code: 'FILE_CLOSED' });
  });
});

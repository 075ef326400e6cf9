/**
 * Header bytes that are not UTF-8 (RFC 3261 §7.3.1): Latin-1 in a Via branch, a Call-ID and a From
 * display name (test/fixtures/sip/latin1-headers.sip). The request is refused with 400 before any
 * state — no offer reaches the engine — and the 400 copies Via, From, To, Call-ID and CSeq with the
 * very bytes received (§8.2.6.2), so the SRC can match it by its branch (§17.1.3). Before, they came
 * back as U+FFFD and the recording was created with responses the SRC could never match.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTestServers } from './test-server.js';

const { server: setup, udpUac, tcpUac } = useTestServers();
const INVITE = readFileSync(join(import.meta.dirname, '../../fixtures/sip/latin1-headers.sip'));

/** A header line of `raw` (a SIP message) as bytes, without its CRLF. */
function lineBytes(raw: Buffer, name: string): Buffer {
  const start = raw.indexOf(Buffer.from(`\r\n${name}: `, 'latin1'));
  expect(start).toBeGreaterThan(0);
  const end = raw.indexOf('\r\n', start + 2);
  return raw.subarray(start + 2, end);
}

describe.each(['udp', 'tcp'] as const)('header bytes that are not UTF-8, over %s', (transport) => {
  it('400 before any state, echoing Via, From, To, Call-ID and CSeq byte for byte', async () => {
    const { server, handler } = await setup();
    const uac = transport === 'udp' ? await udpUac(server) : await tcpUac(server);
    uac.send(INVITE);
    const res = await uac.response(400, 'INVITE');
    expect(res.startLine).toBe('SIP/2.0 400 Header Not UTF-8');
    for (const name of ['From', 'Call-ID', 'CSeq']) expect(lineBytes(res.raw, name).equals(lineBytes(INVITE, name))).toBe(true);
    // The top Via gains received/rport; the branch bytes are the SRC's.
    expect(lineBytes(res.raw, 'Via').includes(Buffer.from(';branch=z9hG4bK-caf\xe9-1', 'latin1'))).toBe(true);
    expect(lineBytes(res.raw, 'To').subarray(0, lineBytes(INVITE, 'To').length).equals(lineBytes(INVITE, 'To'))).toBe(true);
    expect(res.raw.includes(Buffer.from('\uFFFD', 'utf8'))).toBe(false);
    expect(handler.offers).toHaveLength(0);
    expect(server.stats().dialogs).toBe(0);
  });
});

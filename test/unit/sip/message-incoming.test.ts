/**
 * Where responses go and what their top Via says: RFC 3261 §18.2.1 (received), RFC 3581 (rport),
 * §18.2.2 (sent-by port over UDP, the same connection over TCP); and the transaction key (§17.2.3).
 */
import { describe, expect, it } from 'vitest';
import { describeRequest } from '../../../src/sip/native/message-incoming.js';
import { parseDatagram } from '../../../src/sip/native/parser.js';
import type { SipRequest } from '../../../src/sip/native/message.js';
import type { TransportSource } from '../../../src/sip/native/transport.js';

function request(via: string, method = 'OPTIONS'): SipRequest {
  const text = [
    `${method} sip:srs@example.net SIP/2.0`,
    `Via: ${via}`,
    'From: <sip:a@example.net>;tag=f',
    'To: <sip:srs@example.net>',
    'Call-ID: c1',
    `CSeq: 1 ${method}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const r = parseDatagram(Buffer.from(text), { maxBytes: 65535 });
  if (!r.ok || r.message.kind !== 'request') throw new Error('bad fixture');
  return r.message;
}

const udp: TransportSource = { transport: 'udp', address: '203.0.113.7', port: 40000 };

describe('describeRequest', () => {
  it('adds received when sent-by differs and answers to the sent-by port', () => {
    const r = describeRequest(request('SIP/2.0/UDP sbc.example.net:5070;branch=z9hG4bK1'), udp, 0);
    expect(r?.base.vias[0]).toBe('SIP/2.0/UDP sbc.example.net:5070;branch=z9hG4bK1;received=203.0.113.7');
    expect(r?.target).toEqual({ transport: 'udp', address: '203.0.113.7', port: 5070 });
  });

  it('fills rport and answers to the source port (RFC 3581 §4)', () => {
    const r = describeRequest(request('SIP/2.0/UDP 10.0.0.1;rport;branch=z9hG4bK2'), udp, 0);
    expect(r?.base.vias[0]).toBe('SIP/2.0/UDP 10.0.0.1;rport=40000;branch=z9hG4bK2;received=203.0.113.7');
    expect(r?.target.port).toBe(40000);
  });

  it('leaves a matching sent-by alone and defaults the port to 5060', () => {
    const r = describeRequest(request('SIP/2.0/UDP 203.0.113.7;branch=z9hG4bK3'), udp, 0);
    expect(r?.base.vias[0]).toBe('SIP/2.0/UDP 203.0.113.7;branch=z9hG4bK3');
    expect(r?.target.port).toBe(5060);
  });

  it('answers over the same TCP connection', () => {
    const r = describeRequest(request('SIP/2.0/TCP 203.0.113.7:5060;branch=z9hG4bK4'), { ...udp, transport: 'tcp', connectionId: 9 }, 0);
    expect(r?.target).toEqual({ transport: 'tcp', address: '203.0.113.7', port: 5060, connectionId: 9 });
  });

  it('keys ACK and CANCEL like the INVITE they belong to, by branch and sent-by', () => {
    const via = 'SIP/2.0/UDP 203.0.113.7:5060;branch=z9hG4bK5';
    const invite = describeRequest(request(via, 'INVITE'), udp, 0);
    const ack = describeRequest(request(via, 'ACK'), udp, 0);
    const other = describeRequest(request('SIP/2.0/UDP 203.0.113.8:5060;branch=z9hG4bK5', 'INVITE'), udp, 0);
    expect(ack?.txKey).toBe(invite?.txKey);
    expect(other?.txKey).not.toBe(invite?.txKey);
    expect(describeRequest(request(via, 'CANCEL'), udp, 0)?.txKey).toBe(invite?.txKey.replace(/INVITE$/, 'CANCEL'));
  });
});

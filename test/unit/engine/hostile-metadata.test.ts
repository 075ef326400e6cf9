/**
 * rs-metadata with a DTD or entities (XXE, billion laughs) is an attack on the SRS, not an SRC's slip:
 * the offer is refused with 400 and counted as refused metadata — not a 403 "subscriber not
 * provisioned" because the metadata was dropped first (issue 16, item 4).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { silentLogger } from '../../../src/log.js';
import type { RtpPortPool } from '../../../src/media/types.js';
import type { RecordingSessionServer, SessionInfo } from '../../../src/sip/types.js';
import { MemorySubscriberStore } from '../../../src/state/memory/memory-subscriber-store.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/siprec');
const SDP = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=label:1\r\na=sendonly\r\n';

const body = (xml: string) => ({
  contentType: 'multipart/mixed;boundary=bb',
  raw: Buffer.from(`--bb\r\nContent-Type: application/sdp\r\n\r\n${SDP}\r\n--bb\r\nContent-Type: application/rs-metadata+xml\r\n\r\n${xml}\r\n--bb--\r\n`),
});

// Never reached: a refused offer allocates nothing.
const ports = { allocate: () => Promise.reject(new Error('no ports in this test')), close: async () => {} } as unknown as RtpPortPool;
const sip: RecordingSessionServer = { listen: async () => {}, hangup: async () => {}, close: async () => {} };

function session(id: string): SessionInfo {
  return {
    id,
    callId: `${id}@test`,
    from: { uri: 'sip:+13035550111@sbc.example' },
    to: { uri: 'sip:srs@192.0.2.10' },
    requestUri: 'sip:srs@192.0.2.10',
    source: { address: '127.0.0.1', port: 5060, transport: 'udp' },
    header: () => [],
    require: ['siprec'],
    supported: [],
    receivedAt: 0,
  };
}

describe('hostile rs-metadata', () => {
  const engine = new Engine({
    config: { defaultCountry: 'US', subscriberHeader: 'X-Callguard-Subscriber', nodeId: 't', sip: { maxCalls: 10 }, rtp: { advertise: '192.0.2.10' } },
    sip,
    subscribers: new MemorySubscriberStore(),
    ports,
    logger: silentLogger(),
  });

  it.each(['xxe.xml', 'billion-laughs.xml'])('%s: 400 and counted as refused metadata', async (fixture) => {
    const before = engine.counters.metadataRefused;
    const answer = await engine.offer(session(fixture), body(readFileSync(join(FIXTURES, fixture), 'utf8')));
    expect(answer).toMatchObject({ ok: false, status: 400, reason: 'Recording Metadata Refused' });
    expect(engine.counters.metadataRefused).toBe(before + 1);
  });

  it('merely broken metadata is still recorded with degraded metadata (here: nobody provisioned, 403)', async () => {
    const before = engine.counters.metadataRefused;
    const answer = await engine.offer(session('broken'), body('<recording><participant'));
    expect(answer).toMatchObject({ ok: false, status: 403 });
    expect(engine.counters.metadataRefused).toBe(before);
  });
});

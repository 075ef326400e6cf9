import { describe, expect, it } from 'vitest';
import { parseRecordingBody } from '../../../src/siprec/body.js';
import type { SiprecBody } from '../../../src/siprec/types.js';

const US = { defaultCountry: 'US' };
const SDP = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=label:1\r\na=sendonly\r\n';
const XML = '<?xml version="1.0"?><recording xmlns="urn:ietf:params:xml:ns:recording:1"><participant participant_id="p"><nameID aor="sip:+12125550123@x"/><send>s</send></participant><stream stream_id="s"><label>1</label></stream></recording>';

function multipart(parts: Array<[string, string]>, boundary = 'bb', close = true): Buffer {
  const body = parts.map(([ct, content]) => `--${boundary}\r\nContent-Type: ${ct}\r\n\r\n${content}\r\n`).join('');
  return Buffer.from(body + (close ? `--${boundary}--\r\n` : ''));
}

function ok(ct: string, raw: Buffer | string): SiprecBody {
  const r = parseRecordingBody(ct, Buffer.isBuffer(raw) ? raw : Buffer.from(raw), US);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

function code(ct: string, raw: Buffer | string): string | undefined {
  const r = parseRecordingBody(ct, Buffer.isBuffer(raw) ? raw : Buffer.from(raw), US);
  return r.ok ? undefined : r.error.code;
}

describe('parseRecordingBody', () => {
  it('multipart/mixed SDP + metadata, either order', () => {
    for (const parts of [
      [['application/sdp', SDP], ['application/rs-metadata+xml', XML]],
      [['application/rs-metadata+xml', XML], ['application/sdp', SDP]],
    ] as Array<Array<[string, string]>>) {
      const b = ok('multipart/mixed;boundary=bb', multipart(parts));
      expect(b.sdp?.media[0]?.label).toBe('1');
      expect(b.metadata?.participants[0]?.e164).toBe('+12125550123');
      expect(b.metadataError).toBeUndefined();
      expect(b.ignoredParts).toEqual([]);
    }
  });

  it('matches content types case-insensitively (message and parts)', () => {
    const b = ok('Multipart/Mixed; Boundary=bb', multipart([['Application/SDP', SDP], ['APPLICATION/RS-METADATA', XML]]));
    expect(b.sdp).toBeDefined();
    expect(b.metadata).toBeDefined();
  });

  it('lists ignored extra parts (application/gtd)', () => {
    const b = ok('multipart/mixed;boundary=bb', multipart([['application/sdp', SDP], ['application/rs-metadata+xml', XML], ['application/gtd', 'IAM,\r\nGCI,123']]));
    expect(b.ignoredParts).toEqual(['application/gtd']);
  });

  it('plain application/sdp (Cisco NBR, SDP-only re-INVITE)', () => {
    const b = ok('application/sdp', SDP);
    expect(b.sdp?.media.length).toBe(1);
    expect(b.metadata).toBeUndefined();
  });

  it.each(['application/rs-metadata', 'application/rs-metadata+xml', 'application/RS-Metadata+XML; charset=utf-8'])('metadata-only body (%s, UPDATE)', (ct) => {
    const b = ok(ct, XML);
    expect(b.sdp).toBeUndefined();
    expect(b.metadata?.participants.length).toBe(1);
  });

  it('an empty body is an empty result (session refresh); the engine decides whether that is enough', () => {
    expect(ok('', '')).toEqual({ ignoredParts: [] });
    expect(ok('application/sdp', '\r\n')).toEqual({ ignoredParts: [] });
  });

  it('sniffs an SDP sent without Content-Type', () => {
    expect(ok('', SDP).sdp?.media.length).toBe(1);
  });

  it('a broken metadata part next to a usable SDP is not fatal: SDP + metadataError', () => {
    const b = ok('multipart/mixed;boundary=bb', multipart([['application/sdp', SDP], ['application/rs-metadata+xml', '<recording><participant>']]));
    expect(b.sdp?.media.length).toBe(1);
    expect(b.metadata).toBeUndefined();
    expect(b.metadataError?.code).toBe('SIPREC_METADATA_MALFORMED');
  });

  it('an XXE attempt next to a usable SDP degrades with SIPREC_METADATA_DTD_FORBIDDEN', () => {
    const xxe = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><recording>&x;</recording>';
    const b = ok('multipart/mixed;boundary=bb', multipart([['application/sdp', SDP], ['application/rs-metadata+xml', xxe]]));
    expect(b.sdp).toBeDefined();
    expect(b.metadataError?.code).toBe('SIPREC_METADATA_DTD_FORBIDDEN');
  });

  it('identifies a metadata part by Content-Disposition: recording-session when its type is damaged (broadworks-1)', () => {
    const raw = Buffer.from(`--bb\r\nContent-Type:application/ +xml\r\nContent-Disposition:recording-session\r\n\r\n${XML}\r\n--bb\r\nContent-Type: application/sdp\r\n\r\n${SDP}\r\n--bb--`);
    const b = ok('multipart/mixed;boundary=bb', raw);
    expect(b.metadata?.participants.length).toBe(1);
    expect(b.ignoredParts).toEqual([]);
  });

  it('a broken metadata-only body is an error (nothing usable)', () => {
    expect(code('application/rs-metadata+xml', '<recording>')).toBe('SIPREC_METADATA_MALFORMED');
    expect(code('multipart/mixed;boundary=bb', multipart([['application/rs-metadata+xml', 'not xml']]))).toBe('SIPREC_METADATA_MALFORMED');
  });

  it('a broken SDP is fatal even with good metadata', () => {
    expect(code('multipart/mixed;boundary=bb', multipart([['application/sdp', 'v=0\r\ns=-\r\n'], ['application/rs-metadata+xml', XML]]))).toBe('SIPREC_SDP_MALFORMED');
  });

  it('multipart with neither SDP nor metadata → SIPREC_NO_SDP', () => {
    expect(code('multipart/mixed;boundary=bb', multipart([['application/gtd', 'IAM']]))).toBe('SIPREC_NO_SDP');
  });

  it('unsupported content type → SIPREC_UNSUPPORTED_CONTENT_TYPE (415)', () => {
    const r = parseRecordingBody('text/html', Buffer.from('<html/>'), US);
    expect(r.ok ? undefined : [r.error.code, r.error.sipStatus]).toEqual(['SIPREC_UNSUPPORTED_CONTENT_TYPE', 415]);
  });

  it('oversized metadata next to an SDP degrades with SIPREC_METADATA_TOO_LARGE', () => {
    const big = `<recording>${'<x/>'.repeat(20_000)}</recording>`;
    const b = ok('multipart/mixed;boundary=bb', multipart([['application/sdp', SDP], ['application/rs-metadata+xml', big]]));
    expect(b.metadataError?.code).toBe('SIPREC_METADATA_TOO_LARGE');
  });

  it('tolerates a missing close delimiter and LF-only lines together', () => {
    const raw = Buffer.from(multipart([['application/sdp', SDP], ['application/rs-metadata', XML]], 'bb', false).toString().replace(/\r\n/g, '\n'));
    const b = ok('multipart/mixed; boundary="bb"', raw);
    expect(b.sdp?.media[0]?.label).toBe('1');
    expect(b.metadata?.participants.length).toBe(1);
  });
});

/**
 * `npm run bench -- siprec`: the parsers on the INVITE path, timed here rather than in unit tests.
 * Numbers normalised per second (bulk provisioning, role resolution), and the worst-case inputs the
 * unit tests only guard against hanging on: a 2,000-stream SDP offer and a multipart body full of
 * near-miss delimiters.
 */
import { parseMultipart } from '../src/siprec/multipart.js';
import { normaliseNumber } from '../src/siprec/numbers.js';
import { parseSdpOffer } from '../src/siprec/sdp-offer.js';

const time = (f: () => void, runs: number): number => {
  f();
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) f();
  return (performance.now() - t0) / runs;
};

export async function benchSiprec(): Promise<unknown> {
  // Every number new (each one parsed), then 5,000 numbers again and again (normaliseNumber
  // remembers the last 5,000-10,000 dial strings: a subscriber's and a repeat caller's number).
  const n = 200_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) normaliseNumber(`sip:+1212${2_000_000 + i}@x`, 'US');
  const numbersPerS = Math.round(n / ((performance.now() - t0) / 1000));
  const t1 = performance.now();
  for (let i = 0; i < n; i++) normaliseNumber(`sip:+1415555${String(i % 5_000).padStart(4, '0')}@x`, 'US');
  const repeatedPerS = Math.round(n / ((performance.now() - t1) / 1000));

  const sdp = ['v=0', 'o=SRC 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0'];
  for (let i = 0; i < 2000; i++) sdp.push(`m=audio ${i * 2} RTP/AVP 0 8`, 'a=rtpmap:0 PCMU/8000', `a=label:${i}`, 'a=sendonly');
  const sdpText = `${sdp.join('\r\n')}\r\n`;
  const nearMiss = Buffer.from(`--x\nContent-Type: a/b\n\n${'--x_'.repeat(200_000)}\n--x--`);
  return {
    bench: 'siprec',
    normalise_numbers_per_s: numbersPerS,
    normalise_repeated_numbers_per_s: repeatedPerS,
    sdp_offer_2000_streams_ms: Math.round(time(() => void parseSdpOffer(sdpText), 20) * 100) / 100,
    multipart_800kb_near_miss_ms: Math.round(time(() => void parseMultipart('multipart/mixed;boundary=x', nearMiss), 20) * 100) / 100,
  };
}

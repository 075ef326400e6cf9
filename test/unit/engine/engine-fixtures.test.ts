/**
 * Every real SBC capture through the engine (no sockets): a provisioned participant gets a 200 whose
 * SDP follows DESIGN.md's answer rules; nobody provisioned gets 403; a call ends cleanly.
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { silentLogger } from '../../../src/log.js';
import type { RtpEndpoint, RtpPortPool, StreamStats } from '../../../src/media/types.js';
import type { EndReason, RecordingSessionServer, SessionInfo } from '../../../src/sip/types.js';
import type { SubscriberStore } from '../../../src/state/types.js';
import { MemorySubscriberStore } from '../../../src/state/memory/memory-subscriber-store.js';
import { indexKinds, loadSharedFixture, sharedFixturesAvailable } from '../siprec/fixture-loader.js';

class FakePool implements RtpPortPool {
  private next = 30000;
  inUse = 0;
  free = 1000;
  async allocate(): Promise<RtpEndpoint> {
    const port = (this.next += 2);
    this.inUse++;
    let closed = false;
    const stats = {} as StreamStats;
    return {
      port,
      configure: () => {},
      stats: () => stats,
      onFrame: () => () => {},
      onDtmf: () => () => {},
      close: async () => {
        if (!closed) this.inUse--;
        closed = true;
      },
    };
  }
  async close(): Promise<void> {}
}

class FakeSip implements RecordingSessionServer {
  hangups: Array<[string, EndReason]> = [];
  async listen(): Promise<void> {}
  async hangup(id: string, reason: EndReason): Promise<void> {
    this.hangups.push([id, reason]);
  }
  async close(): Promise<void> {}
}

/** Provisions every phone number it is asked about: the fixture decides who the parties are. */
class EveryoneProvisioned extends MemorySubscriberStore {
  override async filterProvisioned(numbers: readonly string[]): Promise<Set<string>> {
    return new Set(numbers.filter((n) => n.startsWith('+')));
  }
}

/** Provisions the given identities (keys that are not phone numbers) only. */
class IdentitiesProvisioned extends MemorySubscriberStore {
  readonly asked: string[] = [];
  constructor(private readonly ids: readonly string[]) {
    super();
  }
  override async filterProvisioned(keys: readonly string[]): Promise<Set<string>> {
    this.asked.push(...keys);
    return new Set(keys.filter((k) => this.ids.includes(k)));
  }
}

function engine(store: SubscriberStore, defaultCountry = 'US') {
  const pool = new FakePool();
  const sip = new FakeSip();
  const e = new Engine({
    config: { defaultCountry, subscriberHeader: 'X-Callguard-Subscriber', nodeId: 't', sip: { maxCalls: 100 }, rtp: { advertise: '192.0.2.10' } },
    sip,
    subscribers: store,
    ports: pool,
    logger: silentLogger(),
  });
  return { e, pool, sip };
}

function session(id: string, f: ReturnType<typeof loadSharedFixture>): SessionInfo {
  return {
    id,
    callId: `${id}@test`,
    from: { uri: f.from ?? 'sip:anonymous@invalid' },
    to: { uri: f.to ?? 'sip:srs@invalid' },
    requestUri: 'sip:srs@192.0.2.10',
    source: { address: '127.0.0.1', port: 5060, transport: 'udp' },
    header: f.headers,
    require: [],
    supported: [],
    receivedAt: 0,
  };
}

const NOT_AN_OFFER = new Set(['avaya-sbce-2', 'webex-broadworks-3']);
/** Captures whose parties have no E.164 number: a deployment names the subscriber in a header, or provisions the identity. */
const NO_E164: Record<string, string> = {
  'oracle-acme-1': 'extensions 9000 and 1002',
  'cisco-cube-1': 'extensions 7300 and 7301',
  'broadworks-1': 'damaged metadata and a body-only capture: no headers to fall back on',
  'broadworks-2': '9878942259 is not a valid US number',
};
/** National numbers of another country: the operator sets CALLGUARD_DEFAULT_COUNTRY. */
const COUNTRY: Record<string, string> = { 'connectel-1': 'SE', 'sems-procomm-1': 'IE' };

const withSdp = sharedFixturesAvailable() ? [...indexKinds()].filter(([, kind]) => kind !== 'xml') : [];

describe.skipIf(!sharedFixturesAvailable())('engine over the shared SIPREC captures', () => {
  if (!sharedFixturesAvailable()) console.warn('skipping: ../shared/fixtures/siprec not found');

  it.each(withSdp)('%s: answered by the rules, then ended with nothing left', async (name, kind) => {
    const f = loadSharedFixture(name, kind);
    const { e, pool } = engine(new EveryoneProvisioned(), COUNTRY[name]);
    const answer = await e.offer(session(name, f), { contentType: f.contentType, raw: f.body });
    if (NO_E164[name]) {
      expect(answer).toMatchObject({ ok: false, status: 403 });
      // …unless the SRC names the subscriber.
      const named = { ...session(name, f), header: (h: string) => (h.toLowerCase() === 'x-callguard-subscriber' ? ['+12125550123'] : f.headers(h)) };
      const again = await e.offer(named, { contentType: f.contentType, raw: f.body });
      expect(again.ok).toBe(true);
      e.ended(name, 'bye');
      return;
    }
    // Two captures are metadata-only UPDATEs, not initial offers: an INVITE like that has no SDP.
    if (NOT_AN_OFFER.has(name)) {
      expect(answer).toMatchObject({ ok: false, status: 400 });
      return;
    }
    if (!answer.ok) throw new Error(`${name}: ${answer.status} ${answer.reason}`);
    const lines = answer.sdp.split('\r\n');
    const mLines = lines.filter((l) => l.startsWith('m='));
    expect(mLines.length).toBeGreaterThan(0);
    expect(answer.sdp).not.toMatch(/a=sendrecv|a=sendonly/);
    expect(lines.filter((l) => l === 'a=recvonly' || l === 'a=inactive').length).toBe(mLines.length);
    const [call] = e.listCalls();
    expect(call?.streams.length).toBe(mLines.length);
    expect(pool.inUse).toBe(mLines.filter((l) => !l.startsWith('m=audio 0 ')).length);
    e.ended(name, 'bye');
    expect(e.listCalls()).toHaveLength(0);
    await new Promise((r) => setImmediate(r));
    expect(pool.inUse).toBe(0);
  });

  // The identities as the captures name their parties (an operator provisions them exactly so: docs/sip.md).
  const IDENTITIES: Array<[string, string]> = [
    ['oracle-acme-1', '1002'],
    ['cisco-cube-1', '7301'],
    ['broadworks-2', '9878942259'],
  ];
  it.each(IDENTITIES)('%s: answered when its party is provisioned by identity %s', async (name, identity) => {
    const kind = indexKinds().get(name)!;
    const f = loadSharedFixture(name, kind);
    const store = new IdentitiesProvisioned([identity]);
    const { e } = engine(store);
    const answer = await e.offer(session(name, f), { contentType: f.contentType, raw: f.body });
    expect(answer.ok, `${name}: identities asked ${store.asked.join(' ')}`).toBe(true);
    const [call] = e.listCalls();
    expect(call?.participants.filter((p) => p.role === 'subscriber')).toHaveLength(1);
    e.ended(name, 'bye');
  });

  it.each(withSdp)('%s: nobody provisioned → 403, nothing allocated', async (name, kind) => {
    const f = loadSharedFixture(name, kind);
    const { e, pool } = engine(new MemorySubscriberStore());
    const answer = await e.offer(session(name, f), { contentType: f.contentType, raw: f.body });
    expect(answer.ok).toBe(false);
    expect(pool.inUse).toBe(0);
    expect(e.listCalls()).toHaveLength(0);
  });

  it('ribbon-sonus-1 maps the caller and the subscriber to their own labelled streams', async () => {
    const f = loadSharedFixture('ribbon-sonus-1', 'body');
    const store = new MemorySubscriberStore();
    await store.put({ number: '+12249888012', provisionedAt: 0 });
    const { e } = engine(store);
    const answer = await e.offer(session('r1', f), { contentType: f.contentType, raw: f.body });
    expect(answer.ok).toBe(true);
    const [call] = e.listCalls();
    // Label 2 is sent by the caller (…8500), label 1 by the subscriber (…8012): metadata, not m-line order.
    expect(call?.streams.map((s) => [s.label, s.role])).toEqual([
      ['1', 'subscriber'],
      ['2', 'caller'],
    ]);
  });
});

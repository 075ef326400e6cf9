/**
 * Runs a scenario of scenarios.ts against one SIP adapter. A driver supplies the adapter and an
 * SrcLink (how the SRC's messages reach it and its answers come back); the runner builds a real
 * Engine on top (fake RTP ports, an in-memory subscriber store whose look-ups can be held), wraps
 * it in a TracingHandler, plays the steps and checks every expectation.
 */
import { expect } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { silentLogger } from '../../../src/log.js';
import type { RtpEndpoint, RtpPortPool, StreamStats } from '../../../src/media/types.js';
import { buildMetadata, buildSiprecOffer, newMetadataIds, type MetadataIds } from '../../../src/simulate/siprec-offer.js';
import type { EndReason, OfferAnswer, RecordingSessionHandler, RecordingSessionServer, ReofferKind, SessionInfo, SessionTimer, SipBody } from '../../../src/sip/types.js';
import { MemorySubscriberStore } from '../../../src/state/memory/memory-subscriber-store.js';
import { rand, sipRequest, tagOf, type RequestSpec } from '../sip-native/scripted-uac.js';
import type { Expect, OfferSpec, Scenario, Step } from './scenarios.js';

export const SUBSCRIBER = '+12125550123';
export const CALLER = '+13035551000';

/** What the runner needs of a SIP message from the adapter. */
export interface LinkMessage {
  startLine: string;
  status?: number;
  method?: string;
  body: Buffer;
  header(name: string): string | undefined;
  headerAll(name: string): string[];
}

/** The SRC's side of the wire, whichever adapter is behind it. */
export interface SrcLink {
  /** What the SRC's requests name in Via and Contact. */
  readonly uac: { transport: 'udp' | 'tcp' | 'tls'; port: number };
  send(data: Buffer): void;
  response(status: number, method?: string, timeoutMs?: number): Promise<LinkMessage>;
  request(method: string, timeoutMs?: number): Promise<LinkMessage>;
  /** The SRC answers a request the SRS sent. */
  reply(req: LinkMessage, status: number): void;
}

/** Records every handler call as a trace entry, then passes it on. */
export class TracingHandler implements RecordingSessionHandler {
  readonly trace: string[] = [];
  private waiters: Array<() => void> = [];
  constructor(private readonly inner: RecordingSessionHandler) {}

  offer(session: SessionInfo, body: SipBody): Promise<OfferAnswer> {
    this.push(`offer${timerText(session.timer)}`);
    return this.inner.offer(session, body);
  }

  reoffer(sessionId: string, body: SipBody | null, kind: ReofferKind, timer: SessionTimer | undefined): Promise<OfferAnswer> {
    this.push(`reoffer ${kind} ${bodyKind(body)}${timerText(timer)}`);
    return this.inner.reoffer(sessionId, body, kind, timer);
  }

  ended(sessionId: string, reason: EndReason): void {
    this.push(`ended ${reason}`);
    this.inner.ended(sessionId, reason);
  }

  async waitFor(count: number, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.trace.length < count) {
      if (Date.now() > deadline) throw new Error(`trace has ${this.trace.length} entries, wanted ${count}: ${this.trace.join(', ')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  private push(entry: string): void {
    this.trace.push(entry);
    for (const w of this.waiters.splice(0)) w();
  }
}

function timerText(t: SessionTimer | undefined): string {
  return t ? ` timer=${t.interval}/${t.refresher}` : '';
}

function bodyKind(body: SipBody | null): string {
  if (!body || body.raw.length === 0) return 'none';
  const ct = body.contentType.toLowerCase();
  if (ct.startsWith('multipart/')) return 'siprec';
  if (ct.includes('rs-metadata')) return 'metadata';
  return 'sdp';
}

/** RTP endpoints without sockets: the engine's answers are real, the media is not. */
export class FakePortPool implements RtpPortPool {
  private next = 40000;
  inUse = 0;
  free = 1000;
  async allocate(): Promise<RtpEndpoint> {
    const port = (this.next += 2);
    this.inUse++;
    let closed = false;
    const stats = { packets: 0, lost: 0, late: 0 } as StreamStats;
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

/** A subscriber store whose look-ups can be held, so an offer stays pending until released. */
export class GatedSubscriberStore extends MemorySubscriberStore {
  private gate: Promise<void> | null = null;
  private open: (() => void) | null = null;

  hold(): void {
    this.gate ??= new Promise<void>((resolve) => {
      this.open = resolve;
    });
  }

  release(): void {
    this.open?.();
    this.gate = null;
    this.open = null;
  }

  override async filterProvisioned(numbers: readonly string[]): Promise<Set<string>> {
    if (this.gate) await this.gate;
    return super.filterProvisioned(numbers);
  }
}

export interface EngineRig {
  engine: Engine;
  tracer: TracingHandler;
  pool: FakePortPool;
  subscribers: GatedSubscriberStore;
}

/** An Engine answering through `sip`, with SUBSCRIBER provisioned. listen() is the driver's. */
export async function buildEngineRig(sip: RecordingSessionServer): Promise<EngineRig> {
  const pool = new FakePortPool();
  const subscribers = new GatedSubscriberStore();
  await subscribers.put({ number: SUBSCRIBER, provisionedAt: 0 });
  const engine = new Engine({
    config: {
      defaultCountry: 'US',
      subscriberHeader: 'X-Callguard-Subscriber',
      nodeId: 'scenario',
      sip: { maxCalls: 100 },
      rtp: { advertise: '127.0.0.1' },
      // No RTP flows here: no media timeout.
      media: { timeoutMs: 0 },
    },
    sip,
    subscribers,
    ports: pool,
    logger: silentLogger(),
  });
  return { engine, tracer: new TracingHandler(engine), pool, subscribers };
}

/** One SRC call: what the steps need to build the next request. */
interface CallState {
  invite: RequestSpec;
  toTag?: string;
  cseq: number;
  ids: MetadataIds;
  sessionId: string;
  firstAnswer?: string;
}

const startTime = new Date('2026-01-01T10:00:00Z');

function offerBody(call: CallState, spec: Partial<OfferSpec>): { body: Buffer; contentType: string } {
  const offer = buildSiprecOffer(
    {
      address: '127.0.0.1',
      sessionId: call.sessionId,
      version: spec.version ?? 1,
      codec: 'pcmu',
      ports: { caller: 41000, subscriber: 41002 },
      direction: spec.direction ?? 'sendonly',
    },
    { ids: call.ids, numbers: { caller: CALLER, subscriber: spec.subscriber ?? SUBSCRIBER }, domain: '127.0.0.1', startTime },
  );
  return { body: offer.body, contentType: offer.contentType };
}

function metadataBody(call: CallState): { body: Buffer; contentType: string } {
  const md = buildMetadata({ ids: call.ids, numbers: { caller: CALLER, subscriber: SUBSCRIBER }, domain: '127.0.0.1', startTime });
  return { body: Buffer.from(md, 'utf8'), contentType: 'application/rs-metadata+xml' };
}

function checkResponse(res: LinkMessage, want: Expect, call: CallState, what: string): void {
  expect(res.status, `${what}: ${res.startLine}`).toBe(want.status);
  for (const [name, value] of Object.entries(want.headers ?? {})) {
    // Repeated header lines and one comma-joined line mean the same (RFC 3261 §7.3.1).
    const got = res.headerAll(name).join(', ');
    if (value instanceof RegExp) expect(got, `${what}: ${name}`).toMatch(value);
    else expect(got, `${what}: ${name}`).toBe(value);
  }
  for (const name of want.absent ?? []) expect(res.headerAll(name), `${what}: ${name} absent`).toEqual([]);
  if (want.noBody) expect(res.body.length, `${what}: no body`).toBe(0);
  if (want.sdp) {
    const sdp = res.body.toString('utf8');
    expect(res.header('content-type'), `${what}: content-type`).toBe('application/sdp');
    for (const line of want.sdp.has ?? []) expect(sdp, `${what}: SDP has ${line}`).toContain(line);
    for (const line of want.sdp.lacks ?? []) expect(sdp, `${what}: SDP lacks ${line}`).not.toContain(line);
    if (want.sdp.sameAsFirstAnswer) expect(sdp, `${what}: same answer`).toBe(call.firstAnswer);
  }
}

/** Plays the scenario; the rig's engine must be listening through the adapter the link talks to. */
export async function runScenario(scenario: Scenario, link: SrcLink, rig: EngineRig): Promise<void> {
  const call: CallState = {
    invite: { method: 'INVITE', uac: link.uac, callId: `sc-${rand()}`, fromTag: rand(), branch: `z9hG4bK${rand()}`, cseq: 1 },
    cseq: 1,
    ids: newMetadataIds(),
    sessionId: String(Date.now()),
  };
  const inDialog = (method: string, extra: string[] = [], body?: { body: Buffer; contentType: string }): RequestSpec => {
    if (!call.toTag) throw new Error(`${method} before a dialog exists`);
    call.cseq++;
    return {
      method,
      uac: link.uac,
      callId: call.invite.callId,
      fromTag: call.invite.fromTag,
      toTag: call.toTag,
      cseq: call.cseq,
      extra,
      ...(body ? { body: body.body, contentType: body.contentType } : {}),
    };
  };
  for (const [i, step] of scenario.steps.entries()) {
    const what = `step ${i + 1} (${step.do})`;
    await runStep(step, what);
  }
  // The engine settles: a cancelled offer finishes and releases what it allocated.
  await until(() => rig.engine.activeCalls === scenario.after.calls && rig.engine.pendingOffers === 0 && rig.pool.inUse === scenario.after.portsInUse);
  expect(rig.tracer.trace).toEqual(scenario.trace);
  expect(rig.engine.activeCalls).toBe(scenario.after.calls);
  expect(rig.pool.inUse).toBe(scenario.after.portsInUse);

  async function runStep(step: Step, what: string): Promise<void> {
    switch (step.do) {
      case 'invite': {
        const offer = offerBody(call, step.offer ?? {});
        call.invite = { ...call.invite, extra: step.headers ?? [], body: offer.body, contentType: offer.contentType };
        link.send(sipRequest(call.invite));
        if (step.expect.status === 100) {
          checkResponse(await link.response(100, 'INVITE'), step.expect, call, what);
          return;
        }
        const res = await link.response(step.expect.status, 'INVITE');
        checkResponse(res, step.expect, call, what);
        if (res.status === 200) {
          call.toTag = tagOf(res.header('to'));
          call.firstAnswer = res.body.toString('utf8');
        } else if ((res.status ?? 0) >= 300) {
          // RFC 3261 §17.1.1.3: the ACK of a non-2xx is part of the INVITE transaction.
          link.send(sipRequest({ ...call.invite, method: 'ACK', cseqMethod: 'ACK', body: undefined, extra: [], toTag: tagOf(res.header('to')) }));
        }
        return;
      }
      case 'ack': {
        const { branch: _branch, ...invite } = call.invite;
        link.send(sipRequest({ ...invite, method: 'ACK', cseqMethod: 'ACK', body: undefined, extra: [], toTag: call.toTag }));
        return;
      }
      case 'reinvite': {
        const spec = inDialog('INVITE', step.headers, offerBody(call, step.offer));
        link.send(sipRequest(spec));
        // By CSeq number too: under load a late ACK leaves a retransmitted 2xx of the first INVITE queued.
        const res = await link.response(step.expect.status, `${spec.cseq} INVITE`);
        checkResponse(res, step.expect, call, what);
        if (res.status === 200) link.send(sipRequest({ ...spec, method: 'ACK', cseqMethod: 'ACK', body: undefined, extra: [] }));
        return;
      }
      case 'update': {
        const spec = inDialog('UPDATE', step.headers, step.body === 'metadata' ? metadataBody(call) : undefined);
        link.send(sipRequest(spec));
        checkResponse(await link.response(step.expect.status, `${spec.cseq} UPDATE`), step.expect, call, what);
        return;
      }
      case 'bye': {
        link.send(sipRequest(inDialog('BYE')));
        checkResponse(await link.response(step.expect.status, 'BYE'), step.expect, call, what);
        return;
      }
      case 'cancel': {
        link.send(sipRequest({ ...call.invite, method: 'CANCEL', cseqMethod: 'CANCEL', body: undefined, extra: [] }));
        await link.response(200, 'CANCEL');
        const terminated = await link.response(487, 'INVITE');
        link.send(sipRequest({ ...call.invite, method: 'ACK', cseqMethod: 'ACK', body: undefined, extra: [], toTag: tagOf(terminated.header('to')) }));
        return;
      }
      case 'hangup': {
        const live = rig.engine.listCalls()[0];
        if (!live) throw new Error(`${what}: no live call to hang up`);
        expect(rig.engine.hangup(live.id)).toBe(true);
        const bye = await link.request('BYE');
        expect(bye.header('call-id')).toBe(call.invite.callId);
        expect(tagOf(bye.header('to'))).toBe(call.invite.fromTag);
        link.reply(bye, 200);
        return;
      }
      case 'hold-lookups':
        rig.subscribers.hold();
        return;
      case 'release-lookups':
        rig.subscribers.release();
        return;
      case 'await-trace':
        await rig.tracer.waitFor(step.count);
        return;
      case 'check-call': {
        const live = rig.engine.listCalls()[0];
        if (!live) throw new Error(`${what}: no live call`);
        const state = live.state as { live?: { dialog?: string } };
        if (step.dialog) expect(state.live?.dialog, `${what}: dialog state`).toBe(step.dialog);
        if (step.refreshes !== undefined) expect(live.refreshes, `${what}: refreshes`).toBe(step.refreshes);
        if (step.metadataRevisions !== undefined) {
          const snap = rig.engine.getCall(live.id)?.snapshot as { context?: { metadataHistory?: unknown[] } } | undefined;
          expect(snap?.context?.metadataHistory?.length, `${what}: metadata revisions`).toBe(step.metadataRevisions);
        }
        return;
      }
    }
  }
}

async function until(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

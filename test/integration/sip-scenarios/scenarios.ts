/**
 * SIPREC call flows as data, run unchanged against every SIP adapter (the native stack over UDP,
 * DrachtioSessionServer behind a fake drachtio-server) by scenario-runner.ts. Each scenario says
 * what the SRC sends, what it must get back, what the engine's call actor must show, and the
 * exact sequence of calls the adapter makes on the handler: equal traces through both adapters is
 * the point.
 *
 * Trace entries: `offer`, `reoffer <invite|update> <siprec|sdp|metadata|none>` (each followed by
 * ` timer=<interval>/<refresher>` when the adapter passes a session timer), `ended <reason>`.
 */

/** The SIPREC offer the SRC sends (built with src/simulate/siprec-offer.ts). */
export interface OfferSpec {
  /** o= version: the same as before is a refresh (RFC 3264 §8), higher a change. */
  version: number;
  /** sendonly while recording, inactive while the call is held. */
  direction: 'sendonly' | 'inactive';
  /** The recorded subscriber's number; unprovisioned numbers get 403. */
  subscriber?: string;
}

export interface Expect {
  status: number;
  /** Header values the response must carry (lower-case names); a RegExp must match. */
  headers?: Record<string, string | RegExp>;
  /** Headers the response must not carry. */
  absent?: string[];
  /** The SDP in the response. */
  sdp?: { has?: string[]; lacks?: string[]; sameAsFirstAnswer?: boolean };
  /** The response has no body. */
  noBody?: boolean;
}

export type Step =
  /** A new INVITE with a SIPREC multipart body; a non-2xx final is ACKed. */
  | { do: 'invite'; offer?: Partial<OfferSpec>; headers?: string[]; expect: Expect }
  /** ACK for the 200 of the INVITE. */
  | { do: 'ack' }
  /** A re-INVITE with a new SIPREC offer; its 200 is ACKed. */
  | { do: 'reinvite'; offer: Partial<OfferSpec>; headers?: string[]; expect: Expect }
  /** An UPDATE without a body (a refresh) or with a metadata-only body. */
  | { do: 'update'; body: 'none' | 'metadata'; headers?: string[]; expect: Expect }
  | { do: 'bye'; expect: Expect }
  /** CANCEL of the pending INVITE: 200 to the CANCEL, 487 to the INVITE (ACKed). */
  | { do: 'cancel' }
  /** The engine ends the call: the SRC must receive a BYE, and answers 200. */
  | { do: 'hangup' }
  /** Subscriber look-ups block until released: the offer stays pending. */
  | { do: 'hold-lookups' }
  | { do: 'release-lookups' }
  /** Waits until the handler has seen `count` trace entries. */
  | { do: 'await-trace'; count: number }
  /** The engine's live call. */
  | { do: 'check-call'; dialog?: 'active' | 'held'; refreshes?: number; metadataRevisions?: number };

export interface Scenario {
  name: string;
  steps: Step[];
  trace: string[];
  /** Engine after the last step. */
  after: { calls: number; portsInUse: number };
}

const TIMER = ['Supported: timer', 'Session-Expires: 600;refresher=uac', 'Min-SE: 90'];

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'INVITE → 200 (recvonly, labels) → ACK → BYE',
    steps: [
      {
        do: 'invite',
        headers: ['Supported: timer', 'Require: siprec', 'Allow: INVITE, ACK, BYE, CANCEL, UPDATE'],
        expect: {
          status: 200,
          // The SRC supports timer and sent no Session-Expires: the default with refresher=uac.
          headers: { 'content-type': 'application/sdp', 'session-expires': '1800;refresher=uac', require: 'timer', contact: /\+sip\.srs/ },
          sdp: { has: ['a=recvonly', 'a=label:1', 'a=label:2'], lacks: ['a=sendonly', 'a=sendrecv'] },
        },
      },
      { do: 'ack' },
      { do: 'check-call', dialog: 'active', refreshes: 0 },
      { do: 'bye', expect: { status: 200 } },
    ],
    trace: ['offer timer=1800/uac', 'ended bye'],
    after: { calls: 0, portsInUse: 0 },
  },
  {
    name: 'hold re-INVITE (a=inactive) → held, resume → active',
    steps: [
      { do: 'invite', expect: { status: 200, absent: ['session-expires'] } },
      { do: 'ack' },
      { do: 'reinvite', offer: { version: 2, direction: 'inactive' }, expect: { status: 200, sdp: { has: ['a=inactive', 'a=label:1', 'a=label:2'], lacks: ['a=recvonly'] } } },
      { do: 'check-call', dialog: 'held', refreshes: 1 },
      { do: 'reinvite', offer: { version: 3, direction: 'sendonly' }, expect: { status: 200, sdp: { has: ['a=recvonly'], lacks: ['a=inactive'] } } },
      { do: 'check-call', dialog: 'active', refreshes: 2 },
      { do: 'bye', expect: { status: 200 } },
    ],
    trace: ['offer', 'reoffer invite siprec', 'reoffer invite siprec', 'ended bye'],
    after: { calls: 0, portsInUse: 0 },
  },
  {
    name: 'session refresh: same-version re-INVITE and a body-less UPDATE',
    steps: [
      { do: 'invite', headers: TIMER, expect: { status: 200, headers: { 'session-expires': '600;refresher=uac', require: 'timer' } } },
      { do: 'ack' },
      // Same o= version: nothing changed, the answer is the first one (RFC 3264 §8).
      { do: 'reinvite', offer: { version: 1 }, headers: TIMER, expect: { status: 200, headers: { 'session-expires': '600;refresher=uac' }, sdp: { sameAsFirstAnswer: true } } },
      { do: 'check-call', dialog: 'active', refreshes: 1 },
      // RFC 3311 §5.2: an UPDATE without an offer gets a 2xx without an answer.
      { do: 'update', body: 'none', headers: TIMER, expect: { status: 200, headers: { 'session-expires': '600;refresher=uac' }, noBody: true } },
      { do: 'check-call', refreshes: 2 },
      { do: 'bye', expect: { status: 200 } },
    ],
    trace: ['offer timer=600/uac', 'reoffer invite siprec timer=600/uac', 'reoffer update none timer=600/uac', 'ended bye'],
    after: { calls: 0, portsInUse: 0 },
  },
  {
    name: 'metadata UPDATE (rs-metadata only) is merged into the call',
    steps: [
      { do: 'invite', expect: { status: 200 } },
      { do: 'ack' },
      { do: 'update', body: 'metadata', expect: { status: 200 } },
      { do: 'check-call', dialog: 'active', metadataRevisions: 2 },
      { do: 'bye', expect: { status: 200 } },
    ],
    trace: ['offer', 'reoffer update metadata', 'ended bye'],
    after: { calls: 0, portsInUse: 0 },
  },
  {
    name: 'CANCEL before the answer: 487, nothing allocated',
    steps: [
      { do: 'hold-lookups' },
      { do: 'invite', expect: { status: 100 } },
      { do: 'await-trace', count: 1 },
      { do: 'cancel' },
      { do: 'await-trace', count: 2 },
      { do: 'release-lookups' },
    ],
    trace: ['offer', 'ended cancel'],
    after: { calls: 0, portsInUse: 0 },
  },
  {
    name: 'the engine hangs up: the SRS sends BYE',
    steps: [
      { do: 'invite', expect: { status: 200 } },
      { do: 'ack' },
      { do: 'hangup' },
    ],
    trace: ['offer', 'ended hangup'],
    after: { calls: 0, portsInUse: 0 },
  },
  {
    name: 'nobody provisioned: 403 with a Reason',
    steps: [{ do: 'invite', offer: { subscriber: '+12125559999' }, expect: { status: 403, headers: { reason: /no participant is a provisioned subscriber/ } } }],
    trace: ['offer', 'ended rejected'],
    after: { calls: 0, portsInUse: 0 },
  },
  {
    name: 'Session-Expires below Min-SE: 422 before the engine sees it',
    steps: [{ do: 'invite', headers: ['Supported: timer', 'Session-Expires: 30'], expect: { status: 422, headers: { 'min-se': '90' } } }],
    trace: [],
    after: { calls: 0, portsInUse: 0 },
  },
];

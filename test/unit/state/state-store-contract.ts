/**
 * The behaviour every StateStore owes its callers, run against each adapter: memory here in
 * test/unit/state, Redis in test/integration/state. Expiry tests use short TTLs and poll with a
 * generous deadline; nothing asserts how fast a store is.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterEvent, LiveCallRecord, RecordingState, StateStore } from '../../../src/state/types.js';

export interface StateStoreHarness {
  /** A fresh, empty store (ready() not yet awaited). */
  create(): Promise<StateStore>;
  /**
   * Another node on the same shared state as `store`. A memory store is one node's whole world, so
   * its harness returns the store itself.
   */
  peer(store: StateStore): Promise<StateStore>;
}

/** Polls `check` until it passes; the deadline only guards against hanging. */
export async function eventually(check: () => Promise<void> | void, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export function callRecord(id: string, node = 'node-a', updatedAt = Date.now()): LiveCallRecord {
  return {
    id,
    node,
    summary: { id, caller: '+1212*****23', callee: '+1646*****01', risk: 'low' },
    state: { active: 'listening' },
    snapshot: { status: 'active', context: { roles: ['caller', 'callee'] } },
    updatedAt,
  };
}

export function recordingState(recording: string, score = 0.4): RecordingState {
  return {
    recording,
    risk: { level: 'medium', score, peakScore: score, lowerStreak: 0, analyses: 3, alerted: false, category: 'bank-impersonation', tactics: ['urgency'] },
    alertAnnounced: false,
    node: 'node-a',
    updatedAt: Date.now(),
  };
}

function nodeEvent(node: string, status: 'up' | 'down' = 'up'): ClusterEvent {
  return { type: 'node', node, at: Date.now(), status };
}

/** n distinct E.164 numbers in the +1 212 555 range. */
function numbers(n: number, offset = 0): string[] {
  return Array.from({ length: n }, (_, i) => `+1212555${String(i + offset).padStart(4, '0')}`);
}

export function describeStateStoreContract(name: string, harness: StateStoreHarness): void {
  describe(`StateStore contract: ${name}`, () => {
    const opened = new Set<StateStore>();

    async function open(): Promise<StateStore> {
      const store = await harness.create();
      opened.add(store);
      await store.ready();
      return store;
    }

    async function peerOf(store: StateStore): Promise<StateStore> {
      const peer = await harness.peer(store);
      opened.add(peer);
      await peer.ready();
      return peer;
    }

    afterEach(async () => {
      await Promise.all([...opened].map((s) => s.close()));
      opened.clear();
    });

    describe('subscribers', () => {
      it('creates, replaces, reads, lists and deletes', async () => {
        const store = await open();
        expect(await store.put({ number: '+12125550123', locale: 'en', provisionedAt: 1000 })).toBe(true);
        expect(await store.put({ number: '+12125550123', locale: 'es-MX', provisionedAt: 1000 })).toBe(false);
        expect(await store.put({ number: '+12125550100', provisionedAt: 2000 })).toBe(true);
        expect(await store.get('+12125550123')).toEqual({ number: '+12125550123', locale: 'es-MX', provisionedAt: 1000 });
        expect(await store.get('+12125550199')).toBeUndefined();
        expect(await store.list()).toEqual([
          { number: '+12125550100', provisionedAt: 2000 },
          { number: '+12125550123', locale: 'es-MX', provisionedAt: 1000 },
        ]);
        expect(await store.delete('+12125550123')).toBe(true);
        expect(await store.delete('+12125550123')).toBe(false);
        expect(await store.get('+12125550123')).toBeUndefined();
        expect((await store.list()).map((s) => s.number)).toEqual(['+12125550100']);
      });

      it('hands out copies: mutating a returned subscriber does not edit the store', async () => {
        const store = await open();
        const s = { number: '+12125550123', locale: 'en', provisionedAt: 1 };
        await store.put(s);
        s.locale = 'fr';
        const got = (await store.get('+12125550123'))!;
        got.locale = 'de';
        expect((await store.get('+12125550123'))?.locale).toBe('en');
      });

      it('filterProvisioned answers for a mix of known, unknown and repeated numbers', async () => {
        const store = await open();
        await store.put({ number: '+12125550001', provisionedAt: 1 });
        await store.put({ number: '+12125550002', provisionedAt: 1 });
        expect(await store.filterProvisioned([])).toEqual(new Set());
        expect(await store.filterProvisioned(['+12125550001', '+19999999999', '+12125550001', '+12125550002'])).toEqual(new Set(['+12125550001', '+12125550002']));
      });

      it('filterProvisioned is exact for 1000 numbers, half of them provisioned', async () => {
        const store = await open();
        const all = numbers(1000);
        const provisioned = all.filter((_, i) => i % 2 === 0);
        await Promise.all(provisioned.map((number) => store.put({ number, provisionedAt: 1 })));
        expect(await store.filterProvisioned(all)).toEqual(new Set(provisioned));
        expect((await store.list()).map((s) => s.number)).toEqual([...provisioned].sort());
      });

      it('is shared with another node', async () => {
        const a = await open();
        const b = await peerOf(a);
        await a.put({ number: '+12125550123', locale: 'en', provisionedAt: 5 });
        expect(await b.filterProvisioned(['+12125550123'])).toEqual(new Set(['+12125550123']));
        expect(await b.delete('+12125550123')).toBe(true);
        expect(await a.get('+12125550123')).toBeUndefined();
      });
    });

    describe('call registry', () => {
      it('puts, replaces, gets, lists and removes calls', async () => {
        const store = await open();
        const c2 = callRecord('c2', 'node-b');
        await store.putCall(callRecord('c1'), 60_000);
        await store.putCall(c2, 60_000);
        const updated = { ...callRecord('c1'), state: { active: 'alerted' } };
        await store.putCall(updated, 60_000);
        expect(await store.getCall('c1')).toEqual(updated);
        expect(await store.getCall('nope')).toBeUndefined();
        expect((await store.listCalls()).sort((x, y) => x.id.localeCompare(y.id))).toEqual([updated, c2]);
        await store.removeCall('c1');
        await store.removeCall('never-there');
        expect(await store.getCall('c1')).toBeUndefined();
        expect((await store.listCalls()).map((c) => c.id)).toEqual(['c2']);
      });

      it('shows every node the calls of every other node', async () => {
        const a = await open();
        const b = await peerOf(a);
        const record = callRecord('c-a', 'node-a');
        await a.putCall(record, 60_000);
        await b.putCall(callRecord('c-b', 'node-b'), 60_000);
        expect(await b.getCall('c-a')).toEqual(record);
        expect((await a.listCalls()).map((c) => c.id).sort()).toEqual(['c-a', 'c-b']);
      });

      it('expires a call ttl after its last refresh, leaving longer-lived calls', async () => {
        const store = await open();
        await store.putCall(callRecord('short'), 300);
        await store.putCall(callRecord('long'), 60_000);
        await eventually(async () => {
          expect(await store.getCall('short')).toBeUndefined();
          expect((await store.listCalls()).map((c) => c.id)).toEqual(['long']);
        });
        expect(await store.getCall('long')).toBeDefined();
      });

      it('a refresh extends the life of a call', async () => {
        const store = await open();
        await store.putCall(callRecord('c1'), 300);
        await store.putCall(callRecord('c1'), 60_000);
        await new Promise((r) => setTimeout(r, 700));
        expect((await store.listCalls()).map((c) => c.id)).toEqual(['c1']);
      });

      it('rejects a ttl that would never expire or is already over', async () => {
        const store = await open();
        await expect(store.putCall(callRecord('c1'), 0)).rejects.toThrow(RangeError);
        await expect(store.putCall(callRecord('c1'), Number.NaN)).rejects.toThrow(RangeError);
        await expect(store.putRecording(recordingState('r1'), -5)).rejects.toThrow(RangeError);
        await expect(store.heartbeat({ id: 'n', startedAt: 1, calls: 0 }, Number.POSITIVE_INFINITY)).rejects.toThrow(RangeError);
      });
    });

    describe('recording states', () => {
      it('puts, replaces and gets by recording, shared across nodes', async () => {
        const a = await open();
        const b = await peerOf(a);
        // Recording ids are SRC-supplied; colons, @ and spaces must round-trip.
        const id = 'grp:a84b4c76e66710@ sbc.example.com';
        await a.putRecording(recordingState(id, 0.4), 60_000);
        const later = { ...recordingState(id, 0.9), alertAnnounced: true, alert: { level: 'high', score: 0.9, category: 'bank-impersonation', tactics: ['urgency'], explanation: 'asked for a one-time code', analyzer: 'rules', at: 7 } };
        await b.putRecording(later, 60_000);
        expect(await a.getRecording(id)).toEqual(later);
        expect(await a.getRecording('other')).toBeUndefined();
      });

      it('expires a recording state after its ttl', async () => {
        const store = await open();
        await store.putRecording(recordingState('r-short'), 300);
        await store.putRecording(recordingState('r-long'), 60_000);
        expect(await store.getRecording('r-short')).toBeDefined();
        await eventually(async () => expect(await store.getRecording('r-short')).toBeUndefined());
        expect(await store.getRecording('r-long')).toBeDefined();
      });
    });

    describe('events', () => {
      it('delivers to local listeners by the time publish resolves, until they unsubscribe', async () => {
        const store = await open();
        const got: ClusterEvent[] = [];
        const off = store.subscribe((e) => got.push(e));
        const event = nodeEvent('node-a');
        await store.publish(event);
        expect(got).toEqual([event]);
        off();
        await store.publish(nodeEvent('node-a', 'down'));
        expect(got).toEqual([event]);
      });

      it('a throwing listener does not keep the event from the others', async () => {
        const store = await open();
        const got: string[] = [];
        store.subscribe(() => got.push('first'));
        store.subscribe(() => {
          throw new Error('broken dashboard stream');
        });
        store.subscribe(() => got.push('third'));
        await store.publish(nodeEvent('node-a'));
        expect(got).toEqual(['first', 'third']);
      });

      it('delivers to listeners on another node, and each listener sees each event once', async () => {
        const a = await open();
        const b = await peerOf(a);
        const onA: ClusterEvent[] = [];
        const onB: ClusterEvent[] = [];
        a.subscribe((e) => onA.push(e));
        b.subscribe((e) => onB.push(e));
        const e1: ClusterEvent = { type: 'call.ended', node: 'node-a', at: 1, callId: 'c1', reason: 'bye' };
        const e2: ClusterEvent = { type: 'call.started', node: 'node-a', at: 2, call: callRecord('c2') };
        await a.publish(e1);
        await a.publish(e2);
        await eventually(() => expect(onB.filter((e) => e.at <= 2)).toEqual([e1, e2]));
        // Sync point: b's event reaches a after any echo of e1/e2 would have (one channel, in order).
        const e3 = nodeEvent('node-b');
        await b.publish(e3);
        await eventually(() => expect(onA).toContainEqual(e3));
        expect(onA).toEqual([e1, e2, e3]);
        expect(onB).toEqual([e1, e2, e3]);
      });
    });

    describe('node registry', () => {
      it('records heartbeats with the time they were seen, shared across nodes', async () => {
        const a = await open();
        const b = await peerOf(a);
        const before = Date.now();
        await a.heartbeat({ id: 'node-a', startedAt: 100, calls: 2 }, 60_000);
        await b.heartbeat({ id: 'node-b', startedAt: 200, calls: 0 }, 60_000);
        await a.heartbeat({ id: 'node-a', startedAt: 100, calls: 3 }, 60_000);
        const nodes = (await b.listNodes()).sort((x, y) => x.id.localeCompare(y.id));
        expect(nodes.map(({ id, startedAt, calls }) => ({ id, startedAt, calls }))).toEqual([
          { id: 'node-a', startedAt: 100, calls: 3 },
          { id: 'node-b', startedAt: 200, calls: 0 },
        ]);
        for (const n of nodes) expect(n.seenAt).toBeGreaterThanOrEqual(before);
      });

      it('forgets a node that stops heartbeating', async () => {
        const store = await open();
        await store.heartbeat({ id: 'dying', startedAt: 1, calls: 0 }, 300);
        await store.heartbeat({ id: 'alive', startedAt: 1, calls: 0 }, 60_000);
        await eventually(async () => expect((await store.listNodes()).map((n) => n.id)).toEqual(['alive']));
      });
    });

    describe('lifecycle', () => {
      it('close() is idempotent', async () => {
        const store = await open();
        await store.close();
        await store.close();
      });
    });
  });
}

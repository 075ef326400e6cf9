/**
 * A whole node with CALLGUARD_SIP_STACK=drachtio: it connects to (a fake) drachtio-server with the
 * secret, records a SIPREC call end to end through the engine, and refuses sources outside
 * CALLGUARD_SRC_ALLOW.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningNode } from '../../../src/app.js';
import { DrachtioSessionServer } from '../../../src/sip/drachtio/index.js';
import { buildSiprecOffer, newMetadataIds } from '../../../src/simulate/siprec-offer.js';
import { CALLER, SUBSCRIBER, startTestNode, waitFor } from '../../e2e/support.js';
import { FakeDrachtioServer } from '../../support/fake-drachtio-server.js';
import { sipRequest } from '../sip-native/scripted-uac.js';

const SECRET = 'node-test-secret';

function invite(callId: string) {
  const offer = buildSiprecOffer(
    { address: '127.0.0.1', sessionId: '1', version: 1, codec: 'pcmu', ports: { caller: 41000, subscriber: 41002 }, direction: 'sendonly' },
    { ids: newMetadataIds(), numbers: { caller: CALLER, subscriber: SUBSCRIBER }, domain: '127.0.0.1', startTime: new Date() },
  );
  return { method: 'INVITE', uac: { transport: 'udp' as const, port: 5070 }, callId, fromTag: 'src1', cseq: 1, extra: ['Require: siprec', 'Contact: <sip:src@127.0.0.1:5070>;+sip.src'], body: offer.body, contentType: offer.contentType };
}

describe('a node behind drachtio-server', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });

  async function start(env: Record<string, string> = {}): Promise<{ node: RunningNode; fake: FakeDrachtioServer }> {
    const fake = await FakeDrachtioServer.start({ secret: SECRET });
    closers.push(() => fake.close());
    const node = await startTestNode({ CALLGUARD_SIP_STACK: 'drachtio', CALLGUARD_DRACHTIO_PORT: String(fake.port), CALLGUARD_DRACHTIO_SECRET: SECRET, ...env });
    closers.push(() => node.close());
    await fake.ready();
    return { node, fake };
  }

  it('records a SIPREC call through drachtio-srf: 200 with our answer, the call in the API, ended by BYE', async () => {
    const { node, fake } = await start();
    expect(node.sip).toBeInstanceOf(DrachtioSessionServer);
    expect((await node.ops.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);

    const spec = invite('dr-node-1');
    fake.send(sipRequest(spec));
    const ok = await fake.response(200, 'INVITE');
    expect(ok.body.toString()).toMatch(/a=recvonly/);
    const toTag = /tag=([^;>\s]+)/.exec(ok.header('to') ?? '')?.[1];
    fake.send(sipRequest({ ...spec, method: 'ACK', toTag, body: undefined, contentType: undefined, extra: [] }));
    await waitFor(() => node.engine.listCalls().length === 1, 5000);
    const calls = (await node.ops.inject({ method: 'GET', url: '/v1/calls' })).json() as { calls: Array<{ subscriber: string; streams: unknown[] }> };
    expect(calls.calls[0]).toMatchObject({ subscriber: '+12*******23' });
    expect(calls.calls[0]!.streams).toHaveLength(2);

    fake.send(sipRequest({ ...spec, method: 'BYE', toTag, cseq: 2, body: undefined, contentType: undefined, extra: [] }));
    await fake.response(200, 'BYE');
    await waitFor(() => node.engine.listCalls().length === 0, 5000);
    expect(node.engine.endReasons.bye).toBe(1);
  });

  it('refuses an SRC outside CALLGUARD_SRC_ALLOW with 403, and counts it', async () => {
    const { node, fake } = await start({ CALLGUARD_SRC_ALLOW: '10.0.0.0/8' });
    fake.send(sipRequest(invite('dr-node-2')));
    await fake.response(403, 'INVITE');
    expect(node.engine.counters.offers).toBe(0);
    expect(node.sip.stats().rejected?.['source-not-allowed']).toBe(1);
  });
});

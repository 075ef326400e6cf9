/**
 * The Azure recognizer in a whole call, against the fake Speech server: one websocket per party,
 * finals counted on the call, and every socket closed however the call ends (BYE, engine hangup,
 * a recognizer that cannot connect).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningNode } from '../../src/app.js';
import { silentLogger } from '../../src/log.js';
import { runSimulation } from '../../src/simulate/index.js';
import { AzureRecognizerFactory } from '../../src/speech/azure/index.js';
import { FakeAzureSpeech } from '../support/fake-azure-speech.js';
import { CALLER, SUBSCRIBER, startTestNode, waitFor } from './support.js';

describe('Azure speech in a call', () => {
  let node: RunningNode | undefined;
  let fake: FakeAzureSpeech | undefined;
  afterEach(async () => {
    await node?.close();
    await fake?.close();
    node = fake = undefined;
  });

  async function setup(opts: Parameters<typeof FakeAzureSpeech.start>[0]) {
    fake = await FakeAzureSpeech.start(opts);
    const speech = new AzureRecognizerFactory({
      key: 'fake-key-123',
      endpoint: fake.endpoint,
      language: 'en-US',
      phraseList: [],
      logger: silentLogger(),
      reconnectBaseMs: 50,
      maxReconnectAttempts: 1,
      connectTimeoutMs: 2000,
    });
    node = await startTestNode({}, { speech });
    return { node, fake };
  }

  const simulate = (n: RunningNode, duration: number) =>
    runSimulation({
      target: { host: '127.0.0.1', port: n.addresses.sipUdp! },
      transport: 'udp',
      caller: CALLER,
      subscriber: SUBSCRIBER,
      codec: 'pcmu',
      duration,
    });

  it('transcribes both parties and closes both sockets on BYE', async () => {
    const { node, fake } = await setup({ script: () => [{ kind: 'phrase', text: 'you owe back taxes', offsetMs: 200, durationMs: 800 }] });
    let finals = 0;
    const poll = setInterval(() => (finals = Math.max(finals, node.engine.listCalls()[0]?.speech.finals ?? 0)), 50);
    const result = await simulate(node, 2.5);
    clearInterval(poll);
    expect(result.clean).toBe(true);
    expect(fake.connections).toHaveLength(2);
    expect(finals).toBe(2);
    await waitFor(() => fake.openConnections === 0 && node.engine.recognizerCount === 0, 5000);
  });

  it('closes the sockets when the engine ends the call', async () => {
    const { node, fake } = await setup({});
    const sim = simulate(node, 10);
    await waitFor(() => fake.openConnections === 2, 5000);
    node.engine.hangup(node.engine.listCalls()[0]!.id, 'media-timeout');
    const result = await sim;
    expect(result.endedBy).toBe('callguard');
    await waitFor(() => fake.openConnections === 0 && node.engine.recognizerCount === 0, 5000);
  });

  it('records the call untranscribed when the service refuses, leaving nothing open', async () => {
    const { node, fake } = await setup({ rejectConnections: () => 401 });
    const sim = simulate(node, 1.5);
    await waitFor(() => node.engine.listCalls()[0]?.speech.status === 'failed', 5000);
    expect((await sim).clean).toBe(true);
    expect(fake.openConnections).toBe(0);
    expect(node.engine.recognizerCount).toBe(0);
  });
});

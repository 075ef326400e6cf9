import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MemoryAlertQueue } from '../../../../src/alerts/queue/memory-alert-queue.js';
import { MemoryAlertStore } from '../../../../src/alerts/queue/memory-alert-store.js';
import { createLogger, silentLogger } from '../../../../src/log.js';
import { describeAlertQueueContract, type ContractHarness } from './alert-queue-contract.js';
import { gate, makeJob, recordingSender } from './fixtures.js';

function memoryHarness(): ContractHarness {
  const nodes: MemoryAlertQueue[] = [];
  let n = 0;
  return {
    env() {
      const store = new MemoryAlertStore();
      return {
        async node(opts) {
          const q = new MemoryAlertQueue({ ...opts, store, logger: silentLogger(), nodeId: `n${++n}` });
          nodes.push(q);
          return q;
        },
      };
    },
    async closeAll() {
      await Promise.all(nodes.splice(0).map((q) => q.close(1_000)));
    },
  };
}

describeAlertQueueContract('memory', memoryHarness);

describe('MemoryAlertQueue specifics', () => {
  it('logs the alerts still waiting at close as lost', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const blocked = gate();
    const s = recordingSender(() => blocked.promise);
    const q = new MemoryAlertQueue({ sender: s.sender, logger: createLogger({ destination: sink }), nodeId: 'n1', concurrency: 1 });
    for (let i = 0; i < 3; i++) await q.enqueue(makeJob());
    await new Promise((r) => setTimeout(r, 50));
    // One in flight (concurrency 1), two waiting.
    const closing = q.close(2_000);
    blocked.open();
    await closing;
    const lost = lines.map((l) => JSON.parse(l) as { msg: string; lost?: number }).find((l) => l.lost !== undefined);
    expect(lost?.lost).toBe(2);
    expect(lost?.msg).toMatch(/lost/);
    expect(s.totalSent()).toBe(1);
    expect(lines.join('')).not.toContain('447700900123');
  });
});

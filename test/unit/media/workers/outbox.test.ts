/** The media workers' control outbox: one postMessage for what is queued together, order kept. */
import { describe, expect, it } from 'vitest';
import { Outbox } from '../../../../src/media/workers/protocol.js';

type Msg = { t: 'a'; id: number } | { t: 'batch'; msgs: Msg[] };
const later = () => new Promise<void>((r) => queueMicrotask(r));

describe('Outbox', () => {
  it('posts messages queued together as one batch, in order, with every transfer; a lone message as itself', async () => {
    const posted: Array<{ msg: unknown; transfer: ArrayBuffer[] }> = [];
    const box = new Outbox<Msg>((msg, transfer) => posted.push({ msg, transfer }));
    const b1 = new ArrayBuffer(8);
    const b2 = new ArrayBuffer(8);
    box.push({ t: 'a', id: 1 }, [b1]);
    box.push({ t: 'a', id: 2 });
    box.push({ t: 'a', id: 3 }, [b2]);
    expect(posted).toEqual([]);
    await later();
    expect(posted).toEqual([{ msg: { t: 'batch', msgs: [{ t: 'a', id: 1 }, { t: 'a', id: 2 }, { t: 'a', id: 3 }] }, transfer: [b1, b2] }]);
    box.push({ t: 'a', id: 4 });
    await later();
    expect(posted[1]).toEqual({ msg: { t: 'a', id: 4 }, transfer: [] });
  });

  it('flush() posts at once, and the scheduled flush then posts nothing more', async () => {
    const posted: unknown[] = [];
    const box = new Outbox<Msg>((msg) => posted.push(msg));
    box.push({ t: 'a', id: 1 });
    box.flush();
    expect(posted).toEqual([{ t: 'a', id: 1 }]);
    await later();
    expect(posted).toHaveLength(1);
  });
});

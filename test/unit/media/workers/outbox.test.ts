/** The media workers' control outbox: one postMessage for what is queued together, order kept. */
import { describe, expect, it } from 'vitest';
import { LINGER_MS, Outbox } from '../../../../src/media/workers/protocol.js';

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

  it('later() lingers up to LINGER_MS for company, and goes at once, in order, with the next urgent message', async () => {
    const posted: unknown[] = [];
    const box = new Outbox<Msg>((msg) => posted.push(msg));
    box.later({ t: 'a', id: 1 });
    box.later({ t: 'a', id: 2 });
    await later();
    expect(posted).toEqual([]);
    await new Promise((r) => setTimeout(r, LINGER_MS + 20));
    expect(posted).toEqual([{ t: 'batch', msgs: [{ t: 'a', id: 1 }, { t: 'a', id: 2 }] }]);

    box.later({ t: 'a', id: 3 });
    box.push({ t: 'a', id: 4 });
    await later();
    expect(posted[1]).toEqual({ t: 'batch', msgs: [{ t: 'a', id: 3 }, { t: 'a', id: 4 }] });
    // The lingering timer was cleared with that flush: nothing more is posted.
    await new Promise((r) => setTimeout(r, LINGER_MS + 20));
    expect(posted).toHaveLength(2);
  });
});

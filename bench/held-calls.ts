/**
 * Live calls to stream media to: sipp sets them up (uac-call-bye with a long hold) until the node holds
 * `target` of them. A node that refuses some (503 when it sheds load) gets another round for the
 * shortfall. The sipp processes hold their calls until the bench ends them (cleanup.ts).
 */
import { runSipp, type SippRun } from '../test/e2e/support.js';
import { sleep } from './cleanup.js';
import { listCalls, type CallView } from './server.js';

export interface HeldCalls {
  calls: CallView[];
  /** Calls offered in all rounds (more than held when the node refused some). */
  offered: number;
  runs: Array<Promise<SippRun>>;
}

export async function holdCalls(o: { sipPort: number; httpPort: number; target: number; rate: number; holdSeconds: number }): Promise<HeldCalls> {
  const runs: Array<Promise<SippRun>> = [];
  let calls: CallView[] = [];
  let offered = 0;
  for (let round = 0; round < 3 && calls.length < o.target; round++) {
    const n = o.target - calls.length;
    offered += n;
    runs.push(
      runSipp({
        scenario: 'uac-call-bye.xml',
        port: o.sipPort,
        calls: n,
        rate: o.rate,
        rateLimit: n,
        keys: { hold_ms: String(o.holdSeconds * 1000) },
        timeoutSeconds: o.holdSeconds + 60,
      }),
    );
    // Until the round's INVITEs are out and the count has stopped growing for 2 s.
    const offeredBy = Date.now() + (n / o.rate) * 1000;
    let last = -1;
    let stableSince = Date.now();
    while (calls.length < o.target) {
      await sleep(500);
      calls = await listCalls(o.httpPort);
      if (calls.length !== last) [last, stableSince] = [calls.length, Date.now()];
      else if (Date.now() > offeredBy && Date.now() - stableSince > 2000) break;
    }
  }
  return { calls, offered, runs };
}

/**
 * `npm run bench -- sip-bounds`: what a call costs below callguard, on the sip bench's scenario and
 * measurement (bench/sip-step.ts, the same warm-up): sipp's own UAS (the floor's reference), the least
 * a Node.js UAS can do (bench/bounds/bare-uas.mjs), and callguard's native SIP stack with a handler
 * that answers at once (bench/bounds/stack-uas.mjs). The sip bench's callguard figure minus the stack's
 * is what SIPREC, the call actor, media and the registry cost; the bare figure is Node's own share.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { killDescendants, sleep, stopProcess } from './cleanup.js';
import { build } from './server.js';
import { flag, sipStep, warmUp } from './sip-step.js';
import { startSippUas } from './sipp-uas.js';

const here = import.meta.dirname;

async function startNode(script: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [resolve(here, 'bounds', script), String(port)], { stdio: ['ignore', 'ignore', 'inherit'] });
  await sleep(1000);
  if (child.exitCode !== null) throw new Error(`${script} exited (${child.exitCode}) before the bench ran`);
  return child;
}

export async function benchSipBounds(args: string[]): Promise<unknown> {
  const rates = flag(args, 'rates', '500,1000').split(',').map(Number);
  const seconds = Number(flag(args, 'seconds', '10'));
  build();
  const port = 26060 + (process.pid % 1000);
  const uases: Array<[string, () => Promise<ChildProcess>]> = [
    ['sipp UAS (bench/scenarios/uas-answer-bye.xml)', () => startSippUas(port)],
    ['bare Node.js UAS (bench/bounds/bare-uas.mjs)', () => startNode('bare-uas.mjs', port)],
    ['callguard native SIP stack, answer at once (bench/bounds/stack-uas.mjs)', () => startNode('stack-uas.mjs', port)],
  ];
  const results = [];
  try {
    for (const [uas, start] of uases) {
      const child = await start();
      try {
        await warmUp(port, child.pid!);
        const steps = [];
        for (const rate of rates) {
          const s = await sipStep({ port, pid: child.pid!, rate, seconds });
          steps.push({ rate, failed: s.failed, p99_ms: s.p99_ms, cpu_us_per_call: s.cpu_us_per_call, main_thread_cpu_us_per_call: s.main_thread_cpu_us_per_call });
          await sleep(1000);
        }
        results.push({ uas, steps });
      } finally {
        await stopProcess(child);
      }
    }
  } finally {
    killDescendants();
  }
  return {
    bench: 'sip-bounds',
    scenario: 'INVITE(SIPREC, 2 m-lines) → 200 → ACK → BYE → 200, UDP, loopback (as the sip bench)',
    seconds_per_step: seconds,
    results,
  };
}

/**
 * sipp's own UAS, the sip bench's reference: a C++ process answering the same INVITE with a 200 and the
 * BYE with a 200 (bench/scenarios/uas-answer-bye.xml), whose CPU per call the bench reads the same way
 * as callguard's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export const UAS_SCENARIO = resolve(import.meta.dirname, 'scenarios', 'uas-answer-bye.xml');

/** Starts it on 127.0.0.1:`port` (UDP) and resolves once it has had time to bind. */
export async function startSippUas(port: number): Promise<ChildProcess> {
  const child = spawn(
    'sipp',
    ['-sf', UAS_SCENARIO, '-i', '127.0.0.1', '-p', String(port), '-t', 'u1', '-max_recv_loops', '100000', '-nostdin'],
    { stdio: ['ignore', 'ignore', 'ignore'] },
  );
  const failed = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`sipp UAS exited (${code}) before the bench ran`)));
  });
  await Promise.race([failed, new Promise((r) => setTimeout(r, 500))]);
  failed.catch(() => undefined); // later exits are the bench's stopProcess
  return child;
}

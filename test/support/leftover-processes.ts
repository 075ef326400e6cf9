/**
 * Vitest global setup: every process a test starts must end with the test. Setup marks this run in
 * the environment every test process (and so every child it spawns) inherits; teardown looks for
 * processes still carrying the mark, kills them, and fails the run naming each one.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';

const MARK = 'CALLGUARD_TEST_RUN';

interface Leftover {
  pid: number;
  command: string;
}

/** Processes whose environment carries this run's mark (Linux /proc; elsewhere none are found). */
export function markedProcesses(run: string, self = process.pid): Leftover[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return [];
  }
  const found: Leftover[] = [];
  for (const d of pids) {
    const pid = Number(d);
    if (pid === self) continue;
    try {
      const env = readFileSync(`/proc/${d}/environ`, 'latin1').split('\0');
      if (!env.includes(`${MARK}=${run}`)) continue;
      const state = /^State:\s+(\w)/m.exec(readFileSync(`/proc/${d}/status`, 'latin1'))?.[1];
      if (state === 'Z') continue; // already dead, waiting for its parent to reap it
      found.push({ pid, command: readFileSync(`/proc/${d}/cmdline`, 'latin1').split('\0').join(' ').trim() });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

export default function setup(): () => Promise<void> {
  const run = randomUUID();
  process.env[MARK] = run;
  return async () => {
    // Test workers exit just before teardown: give their process trees a moment to go.
    let left = markedProcesses(run);
    for (let i = 0; i < 20 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 250));
      left = markedProcesses(run);
    }
    if (left.length === 0) return;
    for (const p of left) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    // Vitest reports a teardown error but still exits 0: set the exit code as well.
    process.exitCode = 1;
    throw new Error(`processes started by tests were still running after the run (killed now):\n${left.map((p) => `  pid ${p.pid}: ${p.command}`).join('\n')}`);
  };
}

/**
 * The leftover-process check of the test run (test/support/leftover-processes.ts) finds a process by
 * the run's mark in its environment, its children too, and stops seeing it once it has ended.
 */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { markedProcesses } from '../../support/leftover-processes.js';

const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
}

describe.skipIf(process.platform !== 'linux')('leftover processes', () => {
  it('finds a marked process and its grandchild, and not an unmarked one', async () => {
    const run = `test-${process.pid}-${Date.now()}`;
    // A shell that starts a grandchild, as the tsx CLI did: both carry the mark.
    const marked = spawn('sh', ['-c', 'sleep 30 & wait'], { env: { ...process.env, CALLGUARD_TEST_RUN: run }, detached: true, stdio: 'ignore' });
    const other = spawn('sleep', ['30'], { env: { ...process.env, CALLGUARD_TEST_RUN: 'another-run' }, detached: true, stdio: 'ignore' });
    started.push(marked.pid!, other.pid!);
    await waitFor(() => markedProcesses(run).length >= 2);
    const found = markedProcesses(run);
    expect(found.map((p) => p.command)).toEqual(expect.arrayContaining([expect.stringMatching(/^sh -c/), 'sleep 30']));
    expect(found.map((p) => p.pid)).not.toContain(other.pid);

    process.kill(-marked.pid!, 'SIGKILL');
    await waitFor(() => markedProcesses(run).length === 0);
    expect(markedProcesses(run)).toEqual([]);
  });
});

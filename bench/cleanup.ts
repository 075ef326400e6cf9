/**
 * Ending what a bench started, also when it fails: a child is asked to stop and killed when it does
 * not, and whatever else this process spawned (sipp runs in flight) is killed by pid.
 */
import type { ChildProcess } from 'node:child_process';
import { descendants } from './proc.js';

/** SIGTERM, then SIGKILL after `graceMs` if it has not exited. */
export async function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** SIGKILL to every process descended from this one (by pid: only what the bench started). */
export function killDescendants(): void {
  for (const pid of descendants(process.pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

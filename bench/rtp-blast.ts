/**
 * The media bench's sender, kept cheap so it does not take the cores it measures: a small C program
 * (bench/native/rtp-blast.c, sendmmsg in batches) compiled with gcc on first use; without gcc, the
 * Node sender of bench/rtp-sender.ts, with a note in the result. Both report their CPU.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blastRtp } from './rtp-sender.js';
import { root } from './server.js';

export interface Blast {
  sent: number;
  /** CPU seconds the sender used. */
  cpuSeconds: number;
  sender: 'c-sendmmsg' | 'node';
  note?: string;
}

/** The compiled sender, or why there is none. */
function compiled(): string | Error {
  const src = join(root, 'bench/native/rtp-blast.c');
  const hash = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 12);
  const bin = join(tmpdir(), `callguard-rtp-blast-${hash}`);
  if (existsSync(bin)) return bin;
  try {
    execFileSync('gcc', ['-O2', '-o', bin, src], { stdio: ['ignore', 'ignore', 2] });
    return bin;
  } catch (err) {
    return err as Error;
  }
}

export async function blast(ports: readonly number[], seconds: number): Promise<Blast> {
  const bin = compiled();
  if (bin instanceof Error) {
    const cpu0 = process.cpuUsage();
    const sent = [...(await blastRtp(ports, seconds)).values()].reduce((a, b) => a + b, 0);
    const cpu = process.cpuUsage(cpu0);
    return { sent, cpuSeconds: (cpu.user + cpu.system) / 1e6, sender: 'node', note: `gcc unavailable (${bin.message.split('\n')[0]}): Node sender, which shares the cores` };
  }
  const child = spawn(bin, [String(seconds)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stdin.end(ports.join('\n'));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`rtp-blast exited ${code}`);
  const r = JSON.parse(out) as { sent: number; cpu_s: number };
  return { sent: r.sent, cpuSeconds: r.cpu_s, sender: 'c-sendmmsg' };
}

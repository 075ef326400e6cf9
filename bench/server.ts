/**
 * What the SIP and media benches share: a `callguard serve` built from this tree and started on the
 * defaults (auth on, with a reader token the bench uses), and its HTTP API.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '..');

export async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not become ready at ${url}`);
}

/** The bench's reader token: the node runs on defaults (auth on), and the bench reads /v1/calls with it. */
export const BENCH_TOKEN = `bench-${randomBytes(12).toString('hex')}`;

/** A `callguard serve` built from this tree, on the given ports, quiet, with one subscriber. */
export function spawnServer(sipPort: number, httpPort: number, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['dist/src/cli.js', 'serve'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      CALLGUARD_SIP_PORT: String(sipPort),
      CALLGUARD_HTTP_PORT: String(httpPort),
      CALLGUARD_SUBSCRIBERS: '+12125550123',
      CALLGUARD_LOG_LEVEL: 'warn',
      CALLGUARD_MAX_PENDING_OFFERS: '5000',
      // SIP and media are measured without recognizers (npm run bench -- speech measures those).
      CALLGUARD_SPEECH: 'none',
      CALLGUARD_API_TOKENS: `reader:${BENCH_TOKEN}`,
      ...env,
    },
  });
}

/** Build output goes to stderr so stdout stays one JSON document. */
export function build(): void {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: ['ignore', 2, 2] });
}

export interface CallView {
  id: string;
  streams: Array<{ index: number; port: number; media?: { packets: number; lost: number } }>;
}

export async function listCalls(httpPort: number): Promise<CallView[]> {
  const res = await fetch(`http://127.0.0.1:${httpPort}/v1/calls`, { headers: { authorization: `Bearer ${BENCH_TOKEN}` } });
  if (!res.ok) throw new Error(`GET /v1/calls: ${res.status}`);
  return ((await res.json()) as { calls: CallView[] }).calls;
}

/**
 * `callguard serve` as an operator runs it: a bad setting stops start-up naming the key; a good
 * configuration serves SIP and the ops API, and SIGTERM shuts it down cleanly.
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../support/free-port.js';

const root = resolve(import.meta.dirname, '../../..');

function run(env: Record<string, string>, args: string[] = ['serve']) {
  // One process (node with the tsx loader), so the signals the test sends reach callguard itself.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: root,
    env: { ...process.env, CALLGUARD_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

describe('callguard serve', () => {
  it('refuses a bad setting with exit code 2 and a message naming the key', async () => {
    const p = run({ CALLGUARD_RTP_PORTS: '9000-100' });
    expect(await p.exited).toBe(2);
    expect(p.err()).toMatch(/invalid configuration: CALLGUARD_RTP_PORTS: .*got "9000-100"/);
  });

  it('serves, answers OPTIONS and health checks, and exits 0 on SIGTERM', async () => {
    // A free port can be taken by a parallel test between our probe and the child's bind: try another.
    let sipPort = 0;
    let p: ReturnType<typeof run> | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      sipPort = await freePort();
      p = run({
        CALLGUARD_SIP_PORT: String(sipPort),
        CALLGUARD_HTTP_PORT: '0',
        CALLGUARD_RTP_PORTS: '47000-47099',
        CALLGUARD_SUBSCRIBERS: '+12125550123',
      });
      const deadline = Date.now() + 20_000;
      while (!p.out().includes('callguard ready') && p.child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (p.out().includes('callguard ready') || !/cannot bind/.test(p.err())) break;
      await p.exited;
    }
    if (!p) throw new Error('unreachable');
    const ready = p.out().split('\n').find((l) => l.includes('callguard ready'));
    expect(ready, p.err()).toBeDefined();
    const line = JSON.parse(ready!) as { http: string; subscribers: number };
    expect(line.subscribers).toBe(1);
    // The provisioned number never reaches the log.
    expect(p.out()).not.toContain('2125550123');

    const health = await fetch(`http://${line.http}/healthz`);
    expect(health.status).toBe(200);
    const readyz = await fetch(`http://${line.http}/readyz`);
    expect(await readyz.json()).toEqual({ status: 'ready' });
    // Auth is on by default: with no tokens configured, one admin token for this run, on stderr only.
    const token = /admin token for this run: (\S+)/.exec(p.err())?.[1];
    expect(token, p.err()).toBeDefined();
    expect(p.out()).not.toContain(token!);
    expect((await fetch(`http://${line.http}/v1/calls`)).status).toBe(401);
    expect((await fetch(`http://${line.http}/v1/calls`, { headers: { authorization: `Bearer ${token!}` } })).status).toBe(200);

    // A raw OPTIONS over UDP.
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const local = sock.address().port;
    const reply = new Promise<string>((r) => sock.once('message', (m) => r(m.toString())));
    sock.send(
      [
        `OPTIONS sip:srs@127.0.0.1:${sipPort} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK-cli-1`,
        `From: <sip:probe@127.0.0.1>;tag=1`,
        `To: <sip:srs@127.0.0.1>`,
        `Call-ID: cli-options-1`,
        `CSeq: 1 OPTIONS`,
        `Max-Forwards: 70`,
        `Content-Length: 0`,
        '',
        '',
      ].join('\r\n'),
      sipPort,
      '127.0.0.1',
    );
    expect(await reply).toMatch(/^SIP\/2\.0 200 /);
    sock.close();

    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.out()).toContain('shutting down');
  });
});

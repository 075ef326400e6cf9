/**
 * A `callguard serve` child process on free ports (tsx, this tree), for tests that need real separate
 * nodes: kill -9 one, read its stdout logs, give it its own working directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort } from './free-port.js';

const root = resolve(import.meta.dirname, '../..');
/** tsx's loader by absolute URL: a node may run in its own working directory, where 'tsx' does not resolve. */
export const TSX_LOADER = pathToFileURL(resolve(root, 'node_modules/tsx/dist/loader.mjs')).href;

export interface NodeProcess {
  id: string;
  child: ChildProcess;
  sip: number;
  http: number;
  /** stdout and stderr so far. */
  out(): string;
  /** GET with the bearer token; throws on a non-2xx status. */
  api<T>(path: string): Promise<T>;
}

export async function startNodeProcess(id: string, env: Record<string, string>, opts: { cwd?: string; token?: string } = {}): Promise<NodeProcess> {
  // A probed free port can be taken by a parallel test before the child binds it: try again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(id, env, opts);
    } catch (err) {
      if (attempt >= 3 || !/cannot bind|EADDRINUSE/.test(String(err))) throw err;
    }
  }
}

async function startOnce(id: string, env: Record<string, string>, opts: { cwd?: string; token?: string }): Promise<NodeProcess> {
  const sip = await freePort();
  const http = await freePort();
  // node itself with tsx as a loader, not the tsx CLI: the CLI runs the program in a grandchild, so a
  // SIGKILL (the failover tests) killed only the wrapper and left the node running after the test.
  const child = spawn(process.execPath, ['--import', TSX_LOADER, resolve(root, 'src/cli.ts'), 'serve'], {
    cwd: opts.cwd ?? root,
    env: {
      ...process.env,
      // As in startTestNode: the loaded suite would trip early 503 shedding (tested on its own).
      CALLGUARD_SIP_OVERLOAD_LAG_MS: '0',
      CALLGUARD_LOG_LEVEL: 'info',
      ...env,
      CALLGUARD_NODE_ID: id,
      CALLGUARD_SIP_PORT: String(sip),
      CALLGUARD_HTTP_PORT: String(http),
      ...(opts.token ? { CALLGUARD_API_TOKENS: `admin:${opts.token}` } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const until = Date.now() + 30_000;
  while (!out.includes('callguard ready')) {
    if (Date.now() > until || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`${id} did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    id,
    child,
    sip,
    http,
    out: () => out,
    async api<T>(path: string): Promise<T> {
      const res = await fetch(`http://127.0.0.1:${http}${path}`, opts.token ? { headers: { authorization: `Bearer ${opts.token}` } } : {});
      if (!res.ok) throw new Error(`${id} ${path}: ${res.status}`);
      return (await res.json()) as T;
    },
  };
}

/** Polls `cond` every 100 ms until it holds, or throws naming `what`. */
export async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Stops a node with SIGTERM (graceful) and waits for it to exit, SIGKILL after `graceMs`. */
export async function stopNodeProcess(node: NodeProcess, graceMs = 10_000): Promise<number | null> {
  if (node.child.exitCode !== null) return node.child.exitCode;
  const exited = new Promise<number | null>((r) => node.child.once('exit', (code) => r(code)));
  node.child.kill('SIGTERM');
  const timer = setTimeout(() => node.child.kill('SIGKILL'), graceMs);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

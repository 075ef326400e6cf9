/**
 * A throwaway redis-server for integration tests: a free port on 127.0.0.1, its own temp dir, no RDB
 * snapshots, optionally AOF with fsync on every write. `stop()`/`restart()` keep the port and dir so a
 * test can prove what survives a restart; every server still running when the test process exits is
 * SIGKILLed so a failed run leaves nothing behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { freePort } from './free-port.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisServerOptions {
  /** `--appendonly yes --appendfsync always`: every acknowledged write is on disk. */
  appendOnly?: boolean;
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** Stops the process (SIGTERM lets Redis flush; SIGKILL proves what fsync already wrote). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and dir (stopping it first when it runs). */
  restart(): Promise<void>;
  /** Stops it and removes the dir. */
  close(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

function spawnRedis(port: number, dir: string, opts: RedisServerOptions): Promise<ChildProcess> {
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dir,
    '--save', '',
    '--daemonize', 'no',
    '--protected-mode', 'no',
    '--appendonly', opts.appendOnly ? 'yes' : 'no',
    '--appendfsync', 'always',
  ];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`redis-server on ${port} not ready after 10 s:\n${out}`)), 10_000);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      // Logged once the listener is up and (with AOF) the file has been loaded.
      if (out.includes('Ready to accept connections')) {
        cleanup();
        resolve(child);
      }
    };
    const onExit = (code: number | null): void => fail(new Error(`redis-server on ${port} exited (${code}):\n${out}`));
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      // Keep draining so a chatty server never blocks on a full pipe.
      child.stdout?.resume();
      child.stderr?.resume();
    };
    const fail = (err: Error): void => {
      cleanup();
      child.kill('SIGKILL');
      reject(err);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', onExit);
  });
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startRedisServer(opts: RedisServerOptions = {}): Promise<RedisServer> {
  installExitHook();
  const dir = mkdtempSync(join(tmpdir(), 'cg-redis-'));
  let child: ChildProcess | undefined;
  let port = 0;
  // Another process can take the port between probing and binding; try a few.
  for (let tries = 0; !child; tries++) {
    port = await freePort();
    try {
      child = await spawnRedis(port, dir, opts);
    } catch (err) {
      if (tries >= 4) throw err;
    }
  }
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c) return;
    c.kill(signal);
    await waitExit(c);
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    stop,
    async restart() {
      await stop();
      child = await spawnRedis(port, dir, opts);
    },
    async close() {
      await stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

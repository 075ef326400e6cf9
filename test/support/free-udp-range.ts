/**
 * A UDP port range no other test is using right now, for tests that build RTP port pools: picked at
 * random inside `from … from + span` (below the kernel's ephemeral ports, 32768+, and the e2e nodes'
 * ranges, 30000+) and probed free just before use, since another file's node may hold spares in it.
 * Each test file takes its own window, so two files never probe the same ports.
 */
import { createSocket, type Socket } from 'node:dgram';

export async function freeUdpRange(pairs: number, window: { from: number; span: number }, host = '127.0.0.1'): Promise<{ min: number; max: number }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const min = window.from + 2 * Math.floor(Math.random() * (window.span / 2 - pairs));
    const max = min + pairs * 2 - 1;
    if (await allBindable(min, max, host)) return { min, max };
  }
  throw new Error('no free UDP port range found for the test');
}

async function allBindable(min: number, max: number, host: string): Promise<boolean> {
  const sockets: Socket[] = [];
  try {
    for (let port = min; port <= max; port++) {
      const s = createSocket('udp4');
      sockets.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.bind(port, host, () => resolve());
      });
    }
    return true;
  } catch {
    return false;
  } finally {
    await Promise.all(sockets.map(closeUdpSocket));
  }
}

/** Closes a socket, also one already closed. */
export function closeUdpSocket(s: Socket): Promise<void> {
  return new Promise<void>((resolve) => {
    try {
      s.close(() => resolve());
    } catch {
      resolve();
    }
  });
}

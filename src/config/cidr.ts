/** CIDR blocks (CALLGUARD_SRC_ALLOW) and the address predicate the SIP stack checks every request against. */
import { isIP } from 'node:net';
import type { Cidr } from './types.js';

function ipToBigInt(ip: string): { family: 4 | 6; value: bigint } | undefined {
  const v = isIP(ip);
  if (v === 4) {
    const parts = ip.split('.').map(Number);
    return { family: 4, value: parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n) };
  }
  if (v === 6) {
    // IPv4-mapped IPv6 (::ffff:1.2.3.4) compares as IPv4: that is how dual-stack sockets report it.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    if (mapped?.[1]) return ipToBigInt(mapped[1]);
    const [head = '', tail = ''] = ip.split('::');
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
    return { family: 6, value: groups.reduce((acc: bigint, g: string) => (acc << 16n) | BigInt(parseInt(g || '0', 16)), 0n) };
  }
  return undefined;
}

export function parseCidr(text: string): Cidr | undefined {
  const [addr = '', bitsText] = text.split('/');
  const ip = ipToBigInt(addr);
  if (!ip) return undefined;
  const max = ip.family === 4 ? 32 : 128;
  const bits = bitsText === undefined ? max : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > max) return undefined;
  const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(max - bits);
  return { family: ip.family, network: ip.value & mask, bits, text };
}

/** A predicate over source addresses; compiled once, called per out-of-dialog SIP request. */
export function cidrMatcher(cidrs: Cidr[]): (address: string) => boolean {
  const cache = new Map<string, boolean>();
  return (address) => {
    const hit = cache.get(address);
    if (hit !== undefined) return hit;
    const ip = ipToBigInt(address);
    let ok = false;
    if (ip) {
      const max = ip.family === 4 ? 32 : 128;
      ok = cidrs.some((c) => {
        if (c.family !== ip.family) return false;
        const mask = c.bits === 0 ? 0n : ((1n << BigInt(c.bits)) - 1n) << BigInt(max - c.bits);
        return (ip.value & mask) === c.network;
      });
    }
    if (cache.size > 10_000) cache.clear();
    cache.set(address, ok);
    return ok;
  };
}

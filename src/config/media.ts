/** Media (RTP) settings: where RTP binds, what SDP answers announce, the port range, the media timeout and latching. */
import { availableParallelism, networkInterfaces } from 'node:os';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { host, orEmpty, type Values } from './parse.js';
import type { Config, Settings } from './types.js';

const rtpRange = z.string().transform((s, ctx) => {
  const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(s);
  const lo = Number(m?.[1]);
  const hi = Number(m?.[2]);
  if (!m || lo < 1024 || hi > 65534 || lo > hi || hi - lo < 1) {
    ctx.addIssue({ code: 'custom', message: 'must be a range LOW-HIGH within 1024-65534, e.g. 20000-29999' });
    return z.NEVER;
  }
  return { min: lo, max: hi };
});

const mediaWorkers = z.string().transform((s, ctx) => {
  const t = s.trim();
  if (t === 'auto') return autoMediaWorkers();
  if (!/^\d+$/.test(t) || Number(t) > 64) {
    ctx.addIssue({ code: 'custom', message: 'must be auto or a whole number of worker threads from 0 to 64 (0: RTP on the main thread)' });
    return z.NEVER;
  }
  return Number(t);
});

/**
 * One media worker per core: measured on 2 cores, two workers held 1,500 calls with no loss where one
 * lost 61 % (the main thread, at a few % of a core while media flows, shares a core with a worker).
 */
export function autoMediaWorkers(): number {
  return Math.max(1, availableParallelism());
}

export const MEDIA_SETTINGS = {
  CALLGUARD_RTP_HOST: { default: '', doc: 'Address RTP sockets bind to. Empty: CALLGUARD_SIP_HOST.', parse: orEmpty(host) },
  CALLGUARD_MEDIA_ADDRESS: {
    default: '',
    doc: 'Address written in SDP answers (behind NAT: the public one). Empty: the RTP host, or when that is a wildcard (0.0.0.0, ::) the first non-loopback IPv4 address of this machine.',
    parse: orEmpty(host),
  },
  CALLGUARD_RTP_PORTS: { default: '20000-29999', doc: 'RTP port range LOW-HIGH; even ports carry RTP, odd ones RTCP.', parse: rtpRange },
  CALLGUARD_MEDIA_WORKERS: {
    default: 'auto',
    doc: 'Worker threads that own the RTP sockets and run the receive path (SRTP, decode, framing), each on its slice of CALLGUARD_RTP_PORTS. auto: one per core; 0: everything on the main thread.',
    parse: mediaWorkers,
  },
  CALLGUARD_MEDIA_TIMEOUT: {
    default: '60',
    doc: 'Seconds without RTP on every stream (not counting hold) after which a call is ended with BYE. 0 disables.',
    parse: z.coerce.number().min(0).max(86_400),
  },
  CALLGUARD_MEDIA_LATCH: {
    default: 'auto',
    doc: 'auto: accept RTP only from the offered address, but latch to the first source when the offer says 0.0.0.0 or its address is not the SIP source (NAT); always; never.',
    parse: z.enum(['auto', 'always', 'never']),
  },
} as const satisfies Settings;

/** `sipHost`: RTP binds where SIP listens unless told otherwise. */
export function mediaConfig(v: Values<typeof MEDIA_SETTINGS>, sipHost: string): Pick<Config, 'rtp' | 'media'> {
  const rtpHost = v.CALLGUARD_RTP_HOST || sipHost;
  return {
    rtp: { host: rtpHost, advertise: mediaAddress(v.CALLGUARD_MEDIA_ADDRESS, rtpHost), ports: v.CALLGUARD_RTP_PORTS },
    media: {
      timeoutMs: Math.round(v.CALLGUARD_MEDIA_TIMEOUT * 1000),
      latch: v.CALLGUARD_MEDIA_LATCH,
      workers: v.CALLGUARD_MEDIA_WORKERS,
      // The actor's view of stream stats (and the media timeout's resolution): a tenth of the
      // timeout, between 0.2 and 2 s.
      statsIntervalMs: Math.min(2000, Math.max(200, Math.round((v.CALLGUARD_MEDIA_TIMEOUT * 1000) / 10) || 2000)),
    },
  };
}

/**
 * The address SDP answers give for our RTP. A wildcard there would tell the SBC "hold" (c=0.0.0.0): use
 * this machine's first non-loopback IPv4 address instead, or refuse to start when it has none.
 */
function mediaAddress(configured: string, rtpHost: string): string {
  const chosen = configured || rtpHost;
  if (chosen !== '0.0.0.0' && chosen !== '::') return chosen;
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) if (i.family === 'IPv4' && !i.internal) return i.address;
  }
  throw new ConfigError('CALLGUARD_MEDIA_ADDRESS', `must be set: RTP listens on ${chosen} and this machine has no non-loopback IPv4 address to announce in SDP`);
}

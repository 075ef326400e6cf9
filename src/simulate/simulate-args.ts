/**
 * `callguard simulate` flags → SimulationOptions. Returns a typed error instead of throwing, so the
 * command maps every bad flag to the usage text and exit status 2. The local configuration is read
 * only when a default needs it (target port, subscriber, default country): a broken config does
 * not stop a run whose flags say everything.
 */
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config, type Env } from '../config/index.js';
import { isE164, normaliseNumber } from '../siprec/numbers.js';
import { SimulateError, SimulateUsageError } from './errors.js';
import { DEFAULT_SESSION_EXPIRES, type AudioInput, type CodecChoice, type SimulationOptions } from './types.js';

export const DEFAULT_CALLER = '+13035551000';
/** test/e2e/support.ts provisions this one; a fresh node with no CALLGUARD_SUBSCRIBERS has none. */
export const FALLBACK_SUBSCRIBER = '+12125550123';

export const SIMULATE_USAGE = `usage: callguard simulate [options]

Plays an SBC (SIPREC client) against a callguard node: one recorded call with both parties' audio.

  --target HOST:PORT        callguard's SIP address (default 127.0.0.1 and CALLGUARD_SIP_PORT)
  --transport udp|tcp       SIP transport (default udp)
  --caller NUMBER           the calling party (default ${DEFAULT_CALLER})
  --subscriber NUMBER       the protected party (default: first of CALLGUARD_SUBSCRIBERS,
                            else ${FALLBACK_SUBSCRIBER})
  --codec pcmu|pcma|g722    audio codec (default pcmu); telephone-event/8000 is offered too
  --caller-audio FILE       WAV the caller says (any rate; resampled to the codec's)
  --subscriber-audio FILE   WAV the subscriber says
  --say-caller TEXT         speech synthesised with flite (voice kal16) for the caller
  --say-subscriber TEXT     the same for the subscriber
  --hold-at S               seconds after the 200 OK: re-INVITE with a=inactive, audio pauses
  --resume-at S             re-INVITE with a=sendonly, audio carries on where it stopped
  --duration S              seconds after the 200 OK to our BYE (default: the longest audio,
                            plus the time held, plus 0.5 s; 3 s of silence with no audio)
  --session-expires S       Session-Expires offered, refresher=uac (default ${DEFAULT_SESSION_EXPIRES})
  --refresh S               seconds between session refreshes (UPDATE); default half the
                            negotiated interval; 0 never refreshes
  --group-id ID             rs-metadata group id; reuse one to replay the same recorded call
                            (a duplicate fork, or an SRC failing over to another node)
  --config FILE             callguard config file for the defaults above
  --json                    print one JSON result on stdout instead of progress on stderr

Exit status: 0 the call was answered and our BYE got 200; 1 it was not (rejected, no answer,
callguard hung up, BYE failed); 2 bad flags, unreadable audio, flite missing.`;

export type ParsedSimulateArgs =
  | { ok: true; help: true }
  | { ok: true; help: false; options: SimulationOptions; json: boolean }
  | { ok: false; error: SimulateError };

const OPTIONS = {
  target: { type: 'string' },
  transport: { type: 'string' },
  caller: { type: 'string' },
  subscriber: { type: 'string' },
  codec: { type: 'string' },
  'caller-audio': { type: 'string' },
  'subscriber-audio': { type: 'string' },
  'say-caller': { type: 'string' },
  'say-subscriber': { type: 'string' },
  'hold-at': { type: 'string' },
  'resume-at': { type: 'string' },
  duration: { type: 'string' },
  'session-expires': { type: 'string' },
  refresh: { type: 'string' },
  'group-id': { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true; args: string[] }>>['values'];

export function parseSimulateArgs(argv: readonly string[], env: Env = process.env): ParsedSimulateArgs {
  let values: Values;
  try {
    values = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    // node:util reports unknown flags, missing values and positionals as TypeErrors with ERR_PARSE_ARGS_*.
    return { ok: false, error: new SimulateUsageError((err as Error).message) };
  }
  if (values.help) return { ok: true, help: true };
  try {
    return { ok: true, help: false, options: toOptions(values, env), json: values.json === true };
  } catch (err) {
    if (err instanceof SimulateError) return { ok: false, error: err };
    throw err;
  }
}

function toOptions(v: Values, env: Env): SimulationOptions {
  let cached: Config | undefined;
  // Read on first use only; a config error is reported as such (exit 2), not as a crash.
  const config = (why: string): Config => {
    if (cached) return cached;
    try {
      cached = loadConfig(env, v.config);
      return cached;
    } catch (err) {
      if (err instanceof ConfigError) throw new SimulateError('SIMULATE_CONFIG', `${err.message} (needed for ${why})`, 2);
      throw err;
    }
  };

  const transport = v.transport ?? 'udp';
  if (transport !== 'udp' && transport !== 'tcp') throw new SimulateUsageError(`--transport must be udp or tcp, not "${transport}"`);
  const codec = (v.codec ?? 'pcmu').toLowerCase();
  if (codec !== 'pcmu' && codec !== 'pcma' && codec !== 'g722') throw new SimulateUsageError(`--codec must be pcmu, pcma or g722, not "${v.codec}"`);

  const target = parseTarget(v.target, () => config('the default --target port').sip.port);

  const country = (n: string): string => (n.trim().startsWith('+') ? 'US' : config('a national --caller/--subscriber number').defaultCountry);
  const number = (flag: string, raw: string): string => {
    const e164 = normaliseNumber(raw, country(raw));
    if (!e164) throw new SimulateUsageError(`--${flag} is not a phone number`);
    return e164;
  };
  const caller = number('caller', v.caller ?? DEFAULT_CALLER);
  const subscriber =
    v.subscriber !== undefined ? number('subscriber', v.subscriber) : (config('the default --subscriber').subscribers.find((s) => isE164(s.number))?.number ?? FALLBACK_SUBSCRIBER);
  if (caller === subscriber) throw new SimulateUsageError('--caller and --subscriber must be different numbers');

  const callerAudio = audio('caller', v['caller-audio'], v['say-caller']);
  const subscriberAudio = audio('subscriber', v['subscriber-audio'], v['say-subscriber']);

  const holdAt = seconds('hold-at', v['hold-at']);
  const resumeAt = seconds('resume-at', v['resume-at']);
  const duration = seconds('duration', v.duration);
  const sessionExpires = seconds('session-expires', v['session-expires']);
  const refresh = seconds('refresh', v.refresh);
  if (resumeAt !== undefined && holdAt === undefined) throw new SimulateUsageError('--resume-at needs --hold-at');
  if (holdAt !== undefined && resumeAt !== undefined && resumeAt <= holdAt) throw new SimulateUsageError('--resume-at must be later than --hold-at');
  if (duration !== undefined) {
    if (duration <= 0) throw new SimulateUsageError('--duration must be more than 0');
    if (holdAt !== undefined && holdAt >= duration) throw new SimulateUsageError('--hold-at must be before the end of the call (--duration)');
    if (resumeAt !== undefined && resumeAt >= duration) throw new SimulateUsageError('--resume-at must be before the end of the call (--duration)');
  }
  if (sessionExpires !== undefined && (!Number.isInteger(sessionExpires) || sessionExpires < 1)) {
    throw new SimulateUsageError('--session-expires must be a whole number of seconds, at least 1');
  }

  const options: SimulationOptions = { target, transport, caller, subscriber, codec: codec satisfies CodecChoice };
  if (callerAudio) options.callerAudio = callerAudio;
  if (subscriberAudio) options.subscriberAudio = subscriberAudio;
  if (holdAt !== undefined) options.holdAt = holdAt;
  if (resumeAt !== undefined) options.resumeAt = resumeAt;
  if (duration !== undefined) options.duration = duration;
  if (sessionExpires !== undefined) options.sessionExpires = sessionExpires;
  if (refresh !== undefined) options.refresh = refresh;
  if (v['group-id'] !== undefined) {
    // It goes into XML attribute values and ids: keep it to what SRCs send (base64 or a token).
    if (!/^[A-Za-z0-9+/=_.:-]{1,128}$/.test(v['group-id'])) throw new SimulateUsageError('--group-id must be 1-128 letters, digits or +/=_.:-');
    options.groupId = v['group-id'];
  }
  return options;
}

/** `HOST:PORT`, `[v6]:PORT`, a bare host or IPv6 address (then the configured port). */
export function parseTarget(raw: string | undefined, defaultPort: () => number): { host: string; port: number } {
  if (raw === undefined) return { host: '127.0.0.1', port: defaultPort() };
  const s = raw.trim();
  let host: string;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(s);
  if (bracketed) {
    host = bracketed[1] ?? '';
    portText = bracketed[2];
  } else if (isIP(s) === 6) {
    host = s;
  } else {
    const colon = s.lastIndexOf(':');
    host = colon < 0 ? s : s.slice(0, colon);
    portText = colon < 0 ? undefined : s.slice(colon + 1);
  }
  if (!host || !(isIP(host) !== 0 || /^[a-z0-9.-]+$/i.test(host))) throw new SimulateUsageError(`--target "${raw}" is not HOST:PORT`);
  if (portText === undefined) return { host, port: defaultPort() };
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535)) throw new SimulateUsageError(`--target "${raw}" has no valid port (1-65535)`);
  return { host, port };
}

function seconds(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = /^\s*\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(n)) throw new SimulateUsageError(`--${flag} must be a number of seconds, not "${raw}"`);
  return n;
}

function audio(party: string, file: string | undefined, say: string | undefined): AudioInput | undefined {
  if (file !== undefined && say !== undefined) throw new SimulateUsageError(`give --${party}-audio or --say-${party}, not both`);
  if (file !== undefined) {
    if (!file) throw new SimulateUsageError(`--${party}-audio needs a file name`);
    return { kind: 'file', path: file };
  }
  if (say !== undefined) {
    if (!say.trim()) throw new SimulateUsageError(`--say-${party} needs some text`);
    return { kind: 'say', text: say };
  }
  return undefined;
}

/** `callguard eval --spoken` flags → SpokenEvalOptions (minus the run's hooks). Bad flags are exit 2. */
import { parseArgs } from 'node:util';
import type { AnalyzerName } from '../../analysis/select.js';
import { ANALYZER_NAMES, type Env } from '../../config/index.js';
import type { CodecChoice } from '../../simulate/types.js';
import { DEFAULT_GAP_S, DEFAULT_LEAD_IN_S, DEFAULT_TAIL_S } from './layout.js';
import { ttsCacheDir } from './tts-cache.js';
import { DEFAULT_VOICES, formatVoiceSpec, parseVoices } from './voices.js';
import { SpokenEvalError, type NoiseColor, type SpokenEvalOptions } from './types.js';

export const DEFAULT_CONCURRENCY = 4;
/** Fixed, so two runs that change nothing else hear the same loss and noise. */
export const DEFAULT_SEED = 1;

export const SPOKEN_USAGE = `usage: callguard eval --spoken --data FILE [--data FILE …] [options]

Synthesises each labelled conversation (a voice per role), plays it as one recorded call (SIPREC +
real-time RTP) into a private callguard node started here with this environment's recognizer
(CALLGUARD_SPEECH) and analyzer (CALLGUARD_ANALYZER), and counts the warning SMS sent during each call.

  --data FILE               JSONL or the shared CSV; repeatable
  --limit N                 the first N scams and N legit calls of each file
  --ids A,B                 only these conversation ids
  --voices ROLE=VOICE,…     default caller=${formatVoiceSpec(DEFAULT_VOICES.caller)},subscriber=${formatVoiceSpec(DEFAULT_VOICES.subscriber)};
                            flite:kal|kal16|awb|rms|slt or espeak-ng:VOICE[+VARIANT] (en-us, en-gb+f3)
  --codec pcmu|pcma|g722    default pcmu
  --gap S                   silence between turns (default ${DEFAULT_GAP_S})
  --lead-in S               silence before the first turn (default ${DEFAULT_LEAD_IN_S})
  --tail S                  silence after the last turn, before the BYE (default ${DEFAULT_TAIL_S})
  --loss PCT                RTP packets lost at random, percent (default 0)
  --noise SNR_DB            background noise at this SNR to each party's speech (default none)
  --noise-color pink|white  default pink
  --seed N                  seed for loss and noise (default ${DEFAULT_SEED})
  --concurrency N           calls at once (default ${DEFAULT_CONCURRENCY})
  --analyzer NAME           local|azure-openai|openai|chain instead of CALLGUARD_ANALYZER
  --cache DIR               synthesised speech cache (default $CALLGUARD_TTS_CACHE,
                            $XDG_CACHE_HOME/callguard/tts or ~/.cache/callguard/tts)
  --json                    one JSON report on stdout (progress stays on stderr)

Exit status: 0 done; 1 a failure while running; 2 bad flags, data or configuration, or a missing
tool (flite, espeak-ng, pocketsphinx); 130 interrupted (the partial report is printed).`;

const OPTIONS = {
  spoken: { type: 'boolean' },
  data: { type: 'string', multiple: true },
  limit: { type: 'string' },
  ids: { type: 'string' },
  voices: { type: 'string' },
  codec: { type: 'string' },
  gap: { type: 'string' },
  'lead-in': { type: 'string' },
  tail: { type: 'string' },
  loss: { type: 'string' },
  noise: { type: 'string' },
  'noise-color': { type: 'string' },
  seed: { type: 'string' },
  concurrency: { type: 'string' },
  analyzer: { type: 'string' },
  cache: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type ParsedSpokenArgs =
  | { help: true }
  | { help: false; json: boolean; options: Omit<SpokenEvalOptions, 'signal' | 'onProgress' | 'logger'> };

const usage = (message: string): SpokenEvalError => new SpokenEvalError('EVAL_USAGE', message);

function number(name: string, raw: string | undefined, fallback: number, check: (x: number) => boolean, what: string): number {
  if (raw === undefined) return fallback;
  const x = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(x) || !check(x)) throw usage(`--${name} must be ${what} (got "${raw}")`);
  return x;
}

/** Throws SpokenEvalError EVAL_USAGE (exit 2). */
export function parseSpokenArgs(argv: readonly string[], env: Env): ParsedSpokenArgs {
  let values;
  try {
    values = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw usage((err as Error).message);
  }
  if (values.help) return { help: true };
  if (!values.data?.length) throw usage('--data is required');
  const codec = (values.codec ?? 'pcmu') as CodecChoice;
  if (!['pcmu', 'pcma', 'g722'].includes(codec)) throw usage(`--codec must be pcmu, pcma or g722 (got "${codec}")`);
  const analyzer = values.analyzer as AnalyzerName | undefined;
  if (analyzer !== undefined && !(ANALYZER_NAMES as readonly string[]).includes(analyzer)) throw usage(`unknown analyzer "${analyzer}"`);
  const color = (values['noise-color'] ?? 'pink') as NoiseColor;
  if (color !== 'pink' && color !== 'white') throw usage(`--noise-color must be pink or white (got "${color}")`);
  const limit = values.limit === undefined ? undefined : number('limit', values.limit, 0, (x) => Number.isInteger(x) && x > 0, 'a positive whole number');
  const ids = values.ids?.split(',').map((s) => s.trim()).filter(Boolean);
  const nonNegative = (x: number): boolean => x >= 0 && x <= 600;
  const snr = values.noise === undefined ? undefined : number('noise', values.noise, 0, (x) => x >= -20 && x <= 100, 'an SNR in dB between -20 and 100');
  return {
    help: false,
    json: values.json ?? false,
    options: {
      data: values.data,
      ...(limit !== undefined ? { limit } : {}),
      ...(ids?.length ? { ids } : {}),
      voices: values.voices !== undefined ? parseVoices(values.voices) : DEFAULT_VOICES,
      codec,
      gapS: number('gap', values.gap, DEFAULT_GAP_S, nonNegative, 'seconds between 0 and 600'),
      leadInS: number('lead-in', values['lead-in'], DEFAULT_LEAD_IN_S, nonNegative, 'seconds between 0 and 600'),
      tailS: number('tail', values.tail, DEFAULT_TAIL_S, nonNegative, 'seconds between 0 and 600'),
      lossPct: number('loss', values.loss, 0, (x) => x >= 0 && x <= 100, 'a percentage between 0 and 100'),
      ...(snr !== undefined ? { noise: { snrDb: snr, color } } : {}),
      seed: number('seed', values.seed, DEFAULT_SEED, (x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32, 'a whole number from 0 to 2^32-1'),
      concurrency: number('concurrency', values.concurrency, DEFAULT_CONCURRENCY, (x) => Number.isInteger(x) && x >= 1 && x <= 64, 'a whole number from 1 to 64'),
      cacheDir: ttsCacheDir(env, values.cache),
      ...(analyzer ? { analyzer } : {}),
      env,
    },
  };
}

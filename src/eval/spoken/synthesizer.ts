/**
 * Speaks a turn with flite or espeak-ng through the cache. Engines are run with execFile (no shell:
 * the text cannot inject anything) into the cache's private temporary file, and their WAV is decoded
 * here; resampling to the codec rate is the layout's business.
 */
import { execFile } from 'node:child_process';
import { readWav } from '../../media/wav.js';
import { ttsCacheKey, type TtsCache } from './tts-cache.js';
import { SpokenEvalError, type Pcm, type Synthesizer, type VoiceSpec } from './types.js';
import { ENGINE_BINARY, formatVoiceSpec, synthesisArgs } from './voices.js';

/** A long turn takes flite a second or two; a minute means the engine is stuck. */
const SYNTH_TIMEOUT_MS = 60_000;

function missing(v: VoiceSpec): SpokenEvalError {
  const { binary, debianPackage } = ENGINE_BINARY[v.engine];
  return new SpokenEvalError(
    'EVAL_TTS_MISSING',
    `${binary} is not installed; the voice ${formatVoiceSpec(v)} needs it (Debian package ${debianPackage}: apt-get install ${debianPackage})`,
  );
}

function run(binary: string, args: string[], signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: SYNTH_TIMEOUT_MS, ...(signal ? { signal } : {}) }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      reject(Object.assign(err, { stderr: String(stderr).trim() }));
    });
  });
}

export class CachedSynthesizer implements Synthesizer {
  constructor(private readonly cache: TtsCache) {}

  async check(voices: readonly VoiceSpec[]): Promise<void> {
    const seen = new Set<string>();
    for (const v of voices) {
      const { binary } = ENGINE_BINARY[v.engine];
      if (seen.has(binary)) continue;
      seen.add(binary);
      try {
        await run(binary, ['--version']);
      } catch (err) {
        // Only absence matters here: flite --version exits 1 after printing its version.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw missing(v);
      }
    }
  }

  async synthesize(voice: VoiceSpec, text: string, signal?: AbortSignal): Promise<Pcm> {
    const key = ttsCacheKey(voice, text);
    const cached = await this.cache.get(key);
    if (cached) {
      try {
        return decode(cached);
      } catch {
        // Not a WAV (a foreign file, a disk error): make it again.
      }
    }
    const bytes = await this.cache.put(key, async (tmp) => {
      try {
        await run(ENGINE_BINARY[voice.engine].binary, synthesisArgs(voice, text, tmp), signal);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw missing(voice);
        if (signal?.aborted) throw new SpokenEvalError('EVAL_ABORTED', 'interrupted', 1, { cause: err });
        const detail = (err as { stderr?: string }).stderr || (err as Error).message;
        throw new SpokenEvalError('EVAL_TTS_FAILED', `${formatVoiceSpec(voice)} failed: ${detail.slice(0, 300)}`, 1, { cause: err });
      }
    });
    return decode(bytes);
  }
}

function decode(bytes: Buffer): Pcm {
  const wav = readWav(bytes);
  return { samples: wav.samples, sampleRate: wav.sampleRate };
}

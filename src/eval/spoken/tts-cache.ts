/**
 * The synthesised-speech cache: one WAV per (engine, voice, text), as the engine wrote it, so a
 * second run (another recognizer, analyzer or threshold over the same calls) synthesises nothing.
 * It lives in the user's cache directory, never in the repository. Files appear by rename from a
 * private temporary name in the same directory, so concurrent runs never read a half-written file;
 * two runs that synthesise the same line both write it and the last rename wins with equal content.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Env } from '../../config/index.js';
import { formatVoiceSpec } from './voices.js';
import type { VoiceSpec } from './types.js';

/** Bump when what is cached changes meaning (engine arguments, file format). */
const CACHE_VERSION = 1;

/** `--cache DIR`, else $CALLGUARD_TTS_CACHE, else $XDG_CACHE_HOME/callguard/tts, else ~/.cache/callguard/tts. */
export function ttsCacheDir(env: Env, explicit?: string): string {
  if (explicit) return resolve(explicit);
  if (env.CALLGUARD_TTS_CACHE) return resolve(env.CALLGUARD_TTS_CACHE);
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return resolve(base, 'callguard', 'tts');
}

/** Hex SHA-256 of the version, the voice and the exact text: the file name of its WAV. */
export function ttsCacheKey(voice: VoiceSpec, text: string): string {
  return createHash('sha256').update(`${CACHE_VERSION}\u0000${formatVoiceSpec(voice)}\u0000${text}`).digest('hex');
}

export class TtsCache {
  private ready: Promise<unknown> | undefined;

  constructor(readonly dir: string) {}

  pathOf(key: string): string {
    return join(this.dir, `${key}.wav`);
  }

  /** The cached file's bytes, or undefined when there is none. */
  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.pathOf(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /**
   * Runs `write(tmpPath)` to produce the file under a private name, then renames it into place.
   * Returns the bytes written. A failed write leaves nothing behind.
   */
  async put(key: string, write: (tmpPath: string) => Promise<void>): Promise<Buffer> {
    this.ready ??= mkdir(this.dir, { recursive: true }).catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    await this.ready;
    const tmp = join(this.dir, `.${key}.${process.pid}.${randomUUID()}.tmp`);
    try {
      await write(tmp);
      const bytes = await readFile(tmp);
      await rename(tmp, this.pathOf(key));
      return bytes;
    } finally {
      await rm(tmp, { force: true });
    }
  }
}

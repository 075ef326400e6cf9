/**
 * Voice specs and the synthesised-speech cache: what is accepted, what each engine is run with (no
 * shell, nothing read as an option), where the cache lives, how entries are keyed and written.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { writeWav } from '../../../../src/media/wav.js';
import { CachedSynthesizer } from '../../../../src/eval/spoken/synthesizer.js';
import { TtsCache, ttsCacheDir, ttsCacheKey } from '../../../../src/eval/spoken/tts-cache.js';
import { DEFAULT_VOICES, formatVoiceSpec, parseVoiceSpec, parseVoices, synthesisArgs } from '../../../../src/eval/spoken/voices.js';

const dir = mkdtempSync(join(tmpdir(), 'cg-spoken-voices-'));
const savedPath = process.env.PATH;
afterEach(() => {
  process.env.PATH = savedPath;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('voice specs', () => {
  it('parses flite and espeak-ng voices, with an espeak-ng variant', () => {
    expect(parseVoiceSpec('flite:rms')).toEqual({ engine: 'flite', voice: 'rms' });
    expect(parseVoiceSpec('flite:kal16')).toEqual({ engine: 'flite', voice: 'kal16' });
    expect(parseVoiceSpec('espeak-ng:en-us')).toEqual({ engine: 'espeak-ng', voice: 'en-us' });
    expect(parseVoiceSpec('espeak-ng:en-gb+f3')).toEqual({ engine: 'espeak-ng', voice: 'en-gb', variant: 'f3' });
    expect(formatVoiceSpec(parseVoiceSpec('espeak-ng:en-gb+f3'))).toBe('espeak-ng:en-gb+f3');
  });

  it('refuses unknown engines and voices, and anything that could pass for an option', () => {
    for (const bad of ['rms', 'say:rms', 'flite:', 'flite:bob', 'flite:awb_time', 'espeak-ng:-w', 'espeak-ng:en-us+-x', 'espeak-ng:en us', 'espeak-ng:en+a+b']) {
      expect(() => parseVoiceSpec(bad), bad).toThrow(expect.objectContaining({ code: 'EVAL_USAGE', exitCode: 2 }));
    }
  });

  it('reads --voices per role, keeping the default for a role not named', () => {
    expect(parseVoices('caller=flite:rms,subscriber=flite:slt')).toEqual(DEFAULT_VOICES);
    expect(DEFAULT_VOICES).toEqual({ caller: { engine: 'flite', voice: 'rms' }, subscriber: { engine: 'flite', voice: 'slt' } });
    expect(parseVoices('subscriber=espeak-ng:en-gb')).toEqual({ caller: DEFAULT_VOICES.caller, subscriber: { engine: 'espeak-ng', voice: 'en-gb' } });
    expect(() => parseVoices('agent=flite:rms')).toThrow(/caller=ENGINE:VOICE/);
    expect(() => parseVoices('caller=flite:rms,caller=flite:slt')).toThrow(/twice/);
  });

  it('builds each engine\'s arguments with the text as one argument, after "--" for espeak-ng', () => {
    expect(synthesisArgs({ engine: 'flite', voice: 'slt' }, '-o evil; rm -rf /', '/c/x.wav')).toEqual(['-voice', 'slt', '-t', '-o evil; rm -rf /', '-o', '/c/x.wav']);
    expect(synthesisArgs({ engine: 'espeak-ng', voice: 'en-us', variant: 'f3' }, '-w /etc/passwd', '/c/x.wav')).toEqual([
      '-v',
      'en-us+f3',
      '-w',
      '/c/x.wav',
      '--',
      '-w /etc/passwd',
    ]);
  });
});

describe('the speech cache', () => {
  it('lives in --cache, else $CALLGUARD_TTS_CACHE, else $XDG_CACHE_HOME/callguard/tts, else ~/.cache/callguard/tts', () => {
    expect(ttsCacheDir({ CALLGUARD_TTS_CACHE: '/a', XDG_CACHE_HOME: '/b' }, '/c')).toBe('/c');
    expect(ttsCacheDir({ CALLGUARD_TTS_CACHE: '/a', XDG_CACHE_HOME: '/b' })).toBe('/a');
    expect(ttsCacheDir({ XDG_CACHE_HOME: '/b', HOME: '/h' })).toBe('/b/callguard/tts');
    expect(ttsCacheDir({ HOME: '/h' })).toBe('/h/.cache/callguard/tts');
    expect(ttsCacheDir({})).toBe(join(homedir(), '.cache/callguard/tts'));
  });

  it('keys an entry by engine, voice and exact text', () => {
    const rms = { engine: 'flite' as const, voice: 'rms' };
    const key = ttsCacheKey(rms, 'Hello there.');
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(ttsCacheKey({ ...rms }, 'Hello there.')).toBe(key);
    expect(ttsCacheKey({ engine: 'flite', voice: 'slt' }, 'Hello there.')).not.toBe(key);
    expect(ttsCacheKey(rms, 'Hello there')).not.toBe(key);
    expect(ttsCacheKey({ engine: 'espeak-ng', voice: 'en-us' }, 'x')).not.toBe(ttsCacheKey({ engine: 'espeak-ng', voice: 'en-us', variant: 'f3' }, 'x'));
  });

  it('writes through a private temporary name and renames it into place; a failed write leaves nothing', async () => {
    const cache = new TtsCache(join(dir, 'cache'));
    expect(await cache.get('k1')).toBeUndefined();
    let tmpName = '';
    const bytes = await cache.put('k1', async (tmp) => {
      tmpName = tmp;
      writeFileSync(tmp, 'data');
      // Not visible under its final name until complete.
      expect(await cache.get('k1')).toBeUndefined();
    });
    expect(bytes.toString()).toBe('data');
    expect(tmpName.startsWith(join(dir, 'cache', '.k1.'))).toBe(true);
    expect(readFileSync(cache.pathOf('k1'), 'utf8')).toBe('data');
    await expect(
      cache.put('k2', async (tmp) => {
        writeFileSync(tmp, 'half');
        throw new Error('engine died');
      }),
    ).rejects.toThrow('engine died');
    expect(readdirSync(join(dir, 'cache'))).toEqual(['k1.wav']);
  });

  it('serves a cached WAV without running the engine', async () => {
    const cache = new TtsCache(join(dir, 'served'));
    const voice = { engine: 'flite' as const, voice: 'rms' };
    const key = ttsCacheKey(voice, 'cached line');
    await cache.put(key, async (tmp) => writeFileSync(tmp, writeWav(new Int16Array(1600).fill(7), 16000)));
    process.env.PATH = dir; // no flite here: a hit must not need it
    const pcm = await new CachedSynthesizer(cache).synthesize(voice, 'cached line');
    expect(pcm.sampleRate).toBe(16000);
    expect(pcm.samples.length).toBe(1600);
  });

  it('without the engine: a clear error naming the Debian package, exit 2', async () => {
    process.env.PATH = dir;
    const synth = new CachedSynthesizer(new TtsCache(join(dir, 'none')));
    await expect(synth.check([{ engine: 'espeak-ng', voice: 'en-us' }])).rejects.toMatchObject({
      code: 'EVAL_TTS_MISSING',
      exitCode: 2,
      message: expect.stringContaining('apt-get install espeak-ng'),
    });
    await expect(synth.synthesize({ engine: 'flite', voice: 'slt' }, 'not cached')).rejects.toMatchObject({
      code: 'EVAL_TTS_MISSING',
      message: expect.stringContaining('Debian package flite'),
    });
  });
});

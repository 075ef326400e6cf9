/**
 * Voice specs: `flite:<voice>` or `espeak-ng:<voice>[+variant]`, one per role
 * (`--voices caller=flite:rms,subscriber=flite:slt`), and the command line each engine is run with.
 * Voices and variants are checked against a strict pattern: they become program arguments, and one
 * that starts with "-" would be read as an option.
 */
import { SpokenEvalError, TTS_ENGINES, type Role, type TtsEngine, type VoiceSpec, type Voices } from './types.js';

/** flite's built-in voices (awb_time only speaks the time of day). */
export const FLITE_VOICES = ['kal', 'kal16', 'awb', 'rms', 'slt'] as const;

/** rms and slt: two distinct speakers, the pair the offline recognizer was measured on. */
export const DEFAULT_VOICES: Voices = {
  caller: { engine: 'flite', voice: 'rms' },
  subscriber: { engine: 'flite', voice: 'slt' },
};

/** The binary and the Debian package that provides it. */
export const ENGINE_BINARY: Readonly<Record<TtsEngine, { binary: string; debianPackage: string }>> = {
  flite: { binary: 'flite', debianPackage: 'flite' },
  'espeak-ng': { binary: 'espeak-ng', debianPackage: 'espeak-ng' },
};

const ESPEAK_VOICE = /^[a-z]{2,3}(?:-[a-z0-9]{1,8})*$/i;
const ESPEAK_VARIANT = /^[a-z0-9_]{1,20}$/i;

export function parseVoiceSpec(spec: string): VoiceSpec {
  const text = spec.trim();
  const colon = text.indexOf(':');
  const engine = colon < 0 ? '' : text.slice(0, colon).toLowerCase();
  const rest = colon < 0 ? '' : text.slice(colon + 1);
  if (!(TTS_ENGINES as readonly string[]).includes(engine) || !rest) {
    throw new SpokenEvalError('EVAL_USAGE', `voice "${text}" must be flite:VOICE or espeak-ng:VOICE[+VARIANT]`);
  }
  if (engine === 'flite') {
    if (!(FLITE_VOICES as readonly string[]).includes(rest)) {
      throw new SpokenEvalError('EVAL_USAGE', `flite has no voice "${rest}" (one of ${FLITE_VOICES.join(', ')})`);
    }
    return { engine: 'flite', voice: rest };
  }
  const [voice = '', variant, ...more] = rest.split('+');
  if (!ESPEAK_VOICE.test(voice) || more.length > 0 || (variant !== undefined && !ESPEAK_VARIANT.test(variant))) {
    throw new SpokenEvalError('EVAL_USAGE', `"${rest}" is not an espeak-ng voice such as en-us, en-gb or en-us+f3`);
  }
  return { engine: 'espeak-ng', voice, ...(variant !== undefined ? { variant } : {}) };
}

export function formatVoiceSpec(v: VoiceSpec): string {
  return `${v.engine}:${v.voice}${v.variant !== undefined ? `+${v.variant}` : ''}`;
}

/** `caller=flite:rms,subscriber=espeak-ng:en-gb`; a role not named keeps its default voice. */
export function parseVoices(text: string, defaults: Voices = DEFAULT_VOICES): Voices {
  const out: Voices = { ...defaults };
  const seen = new Set<string>();
  for (const item of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = item.indexOf('=');
    const role = eq < 0 ? '' : item.slice(0, eq).trim();
    if (role !== 'caller' && role !== 'subscriber') {
      throw new SpokenEvalError('EVAL_USAGE', `--voices: "${item}" must be caller=ENGINE:VOICE or subscriber=ENGINE:VOICE`);
    }
    if (seen.has(role)) throw new SpokenEvalError('EVAL_USAGE', `--voices names the ${role} twice`);
    seen.add(role);
    out[role as Role] = parseVoiceSpec(item.slice(eq + 1));
  }
  return out;
}

/** The engine's arguments to speak `text` into the WAV file `out` (run without a shell). */
export function synthesisArgs(v: VoiceSpec, text: string, out: string): string[] {
  switch (v.engine) {
    case 'flite':
      return ['-voice', v.voice, '-t', text, '-o', out];
    case 'espeak-ng':
      // "--" ends the options: a line that starts with "-" is still text.
      return ['-v', v.variant !== undefined ? `${v.voice}+${v.variant}` : v.voice, '-w', out, '--', text];
  }
}

/**
 * An Azure recognition result → an Utterance on the stream's media timeline: offsets through the
 * session's push-stream → media map, the NBest confidence of a final, and the shared scam
 * keyphrases found in it.
 */
import type { SpeechRecognitionResult } from 'microsoft-cognitiveservices-speech-sdk';
import { spotKeyphrases } from '../../analysis/keyphrases.js';
import type { RecognizerStartOptions, Utterance } from '../types.js';
import { toMediaMs, type Session } from './azure-speech-session.js';

const TICKS_PER_MS = 10_000;

/** Undefined for an empty or blank result. */
export function toUtterance(
  s: Session,
  kind: Utterance['kind'],
  result: SpeechRecognitionResult,
  start: RecognizerStartOptions,
): Utterance | undefined {
  const text = result.text ?? '';
  if (text.trim() === '') return undefined;
  const startStream = result.offset / TICKS_PER_MS;
  const endStream = (result.offset + result.duration) / TICKS_PER_MS;
  const u: Utterance = {
    kind,
    text,
    role: start.role,
    streamIndex: start.streamIndex,
    startMs: toMediaMs(s, startStream),
    endMs: toMediaMs(s, endStream),
    source: 'azure',
  };
  if (kind === 'final') {
    const confidence = confidenceOf(result);
    if (confidence !== undefined) u.confidence = confidence;
    const spotted = spotKeyphrases(text);
    if (spotted.length > 0) u.keyphrases = spotted;
  }
  return u;
}

function confidenceOf(result: SpeechRecognitionResult): number | undefined {
  try {
    const json = JSON.parse(result.json) as { NBest?: { Confidence?: unknown }[] };
    const c = json.NBest?.[0]?.Confidence;
    return typeof c === 'number' && c >= 0 && c <= 1 ? c : undefined;
  } catch {
    return undefined;
  }
}

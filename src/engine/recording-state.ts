/**
 * What carries a recording over from one node to another when its SRC fails over: the key it is known
 * by, the state this node stores (risk and alert, no numbers, no content), and the check of a stored
 * state before it becomes an actor's input.
 */
import type { CallInput } from '../../machines/call.js';
import { TACTIC_ORDER } from '../analysis/local/tactics.js';
import { RISK_LEVELS, type RiskLevel, type Tactic } from '../analysis/types.js';
import type { Logger } from '../log.js';
import type { RecordingState, RecordingStateStore } from '../state/types.js';
import type { LiveCall } from './live-call.js';

/**
 * The recording a call belongs to, stable across re-INVITEs, duplicate forks and an SRC failing over to
 * another node: the metadata's group id, else its recording session id, else the SIP Call-ID.
 */
export function recordingKeyOf(metadata: { groupId?: string | undefined; sessionId?: string | undefined } | undefined, sipCallId: string): string {
  return metadata?.groupId ?? metadata?.sessionId ?? sipCallId;
}

/** What another node needs to carry this call's recording on, under its first key. */
export function recordingStateOf(call: LiveCall, node: string, at: number): RecordingState {
  const c = call.actor.getSnapshot().context;
  return {
    recording: call.recordingKeys[0]!,
    risk: { ...c.risk, tactics: [...c.risk.tactics] },
    ...(c.alert ? { alert: { ...c.alert, tactics: [...c.alert.tactics] } } : {}),
    alertAnnounced: c.alertAnnounced,
    node,
    updatedAt: at,
  };
}

/** A store failure must not refuse the call: it starts fresh (and the alert dedup still holds). */
export async function loadRecordingState(store: RecordingStateStore | undefined, recording: string, log: Logger): Promise<RecordingState | undefined> {
  if (!store) return undefined;
  try {
    return await store.getRecording(recording);
  } catch (err) {
    log.warn({ err }, 'recording state unavailable; starting the call fresh');
    return undefined;
  }
}

/**
 * A stored recording state as the actor's input, or undefined when it is not one: the store is outside
 * our process, and a bad record must cost the call its history, not the call.
 */
export function restoredInput(r: RecordingState): NonNullable<CallInput['restored']> | undefined {
  const risk = r.risk as Partial<RecordingState['risk']> | undefined;
  const ok =
    risk !== undefined &&
    (RISK_LEVELS as readonly unknown[]).includes(risk.level) &&
    [risk.score, risk.peakScore, risk.lowerStreak, risk.analyses].every((n) => typeof n === 'number' && Number.isFinite(n)) &&
    typeof risk.alerted === 'boolean' &&
    typeof risk.category === 'string' &&
    Array.isArray(risk.tactics) &&
    typeof r.alertAnnounced === 'boolean' &&
    (r.alert === undefined || (typeof r.alert === 'object' && Array.isArray(r.alert.tactics) && typeof r.alert.explanation === 'string'));
  if (!ok) return undefined;
  const tactics = (xs: readonly string[]): Tactic[] => xs.filter((t): t is Tactic => (TACTIC_ORDER as readonly string[]).includes(t));
  return {
    risk: { ...r.risk, tactics: tactics(r.risk.tactics) },
    ...(r.alert
      ? {
          alert: {
            ...r.alert,
            level: r.alert.level as RiskLevel,
            tactics: tactics(r.alert.tactics),
            analyzer: r.alert.analyzer === 'azure-openai' || r.alert.analyzer === 'openai' ? r.alert.analyzer : 'local',
          },
        }
      : {}),
    alertAnnounced: r.alertAnnounced,
  };
}

/**
 * The escalation policy: analyzer results → the call's risk level, with hysteresis, and at most one
 * alert per call. Pure; the call actor and `callguard eval` both use it, so what eval measures is
 * what runs.
 */
import { RISK_LEVELS, type Analysis, type RiskLevel, type Tactic } from './types.js';

export interface RiskPolicy {
  /** The level at which the subscriber is warned. */
  alertLevel: RiskLevel;
  /** Consecutive analyses below the current level before it steps down one level. */
  stepDownAfter: number;
}

export const DEFAULT_POLICY: RiskPolicy = { alertLevel: 'high', stepDownAfter: 3 };

export interface RiskState {
  level: RiskLevel;
  /** Latest score, and the highest seen. */
  score: number;
  peakScore: number;
  /** Analyses in a row that came back lower than `level`. */
  lowerStreak: number;
  analyses: number;
  alerted: boolean;
  category: string;
  tactics: Tactic[];
}

export interface RiskAlert {
  level: RiskLevel;
  score: number;
  category: string;
  tactics: Tactic[];
  explanation: string;
  analyzer: Analysis['analyzer'];
}

export function createRiskState(): RiskState {
  return { level: 'none', score: 0, peakScore: 0, lowerStreak: 0, analyses: 0, alerted: false, category: 'none', tactics: [] };
}

const rank = (l: RiskLevel): number => RISK_LEVELS.indexOf(l);

export function nextRisk(state: RiskState, analysis: Analysis, policy: RiskPolicy = DEFAULT_POLICY): { state: RiskState; alert?: RiskAlert } {
  const incoming = rank(analysis.level);
  const current = rank(state.level);
  let level = state.level;
  let lowerStreak = 0;
  if (incoming > current) {
    // Up at once: a caller who reveals a scam is believed the first time.
    level = analysis.level;
  } else if (incoming < current) {
    // Down slowly, one level after several calmer windows: one benign sentence does not undo a threat.
    lowerStreak = state.lowerStreak + 1;
    if (lowerStreak >= policy.stepDownAfter) {
      level = RISK_LEVELS[current - 1] as RiskLevel;
      lowerStreak = 0;
    }
  }
  const escalated = rank(level) > current;
  const next: RiskState = {
    level,
    score: analysis.score,
    peakScore: Math.max(state.peakScore, analysis.score),
    lowerStreak,
    analyses: state.analyses + 1,
    alerted: state.alerted,
    category: escalated || state.category === 'none' ? analysis.category : state.category,
    tactics: [...new Set([...state.tactics, ...analysis.tactics])],
  };
  if (!state.alerted && rank(level) >= rank(policy.alertLevel)) {
    next.alerted = true;
    return {
      state: next,
      alert: {
        level,
        score: analysis.score,
        category: analysis.category,
        tactics: analysis.tactics,
        explanation: analysis.explanation,
        analyzer: analysis.analyzer,
      },
    };
  }
  return { state: next };
}

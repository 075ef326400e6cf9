import { describe, expect, it } from 'vitest';
import { createRiskState, nextRisk, type RiskState } from '../../../src/analysis/policy.js';
import type { Analysis, RiskLevel } from '../../../src/analysis/types.js';

const a = (level: RiskLevel, score = 0.5): Analysis => ({
  score,
  level,
  category: level === 'none' ? 'none' : 'government',
  tactics: level === 'none' ? [] : ['impersonation'],
  explanation: 'The caller claims to be from the tax office.',
  analyzer: 'local',
});

function run(levels: RiskLevel[]) {
  let state: RiskState = createRiskState();
  const alerts: number[] = [];
  const trail: RiskLevel[] = [];
  levels.forEach((l, i) => {
    const r = nextRisk(state, a(l));
    state = r.state;
    if (r.alert) alerts.push(i);
    trail.push(state.level);
  });
  return { state, alerts, trail };
}

describe('escalation policy', () => {
  it('escalates at once and alerts exactly once however many windows cross the level', () => {
    const { alerts, state } = run(['low', 'medium', 'high', 'high', 'medium', 'high', 'high']);
    expect(alerts).toEqual([2]);
    expect(state.alerted).toBe(true);
  });

  it('steps down one level only after three calmer windows in a row (hysteresis)', () => {
    const { trail } = run(['medium', 'none', 'none', 'low', 'medium', 'none', 'none', 'none', 'none', 'none', 'none']);
    expect(trail).toEqual(['medium', 'medium', 'medium', 'low', 'medium', 'medium', 'medium', 'low', 'low', 'low', 'none']);
  });

  it('a single high window after a calm call alerts; low noise never does', () => {
    expect(run(['none', 'low', 'low', 'high']).alerts).toEqual([3]);
    expect(run(['low', 'medium', 'low', 'medium', 'low']).alerts).toEqual([]);
  });

  it('keeps the category of the escalation and gathers tactics', () => {
    let s = createRiskState();
    s = nextRisk(s, { ...a('medium'), category: 'bank', tactics: ['impersonation'] }).state;
    s = nextRisk(s, { ...a('medium'), category: 'other', tactics: ['payment'] }).state;
    expect(s.category).toBe('bank');
    expect(s.tactics).toEqual(['impersonation', 'payment']);
  });
});

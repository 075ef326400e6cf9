import { describe, expect, it } from 'vitest';
import { ExpiringMap } from '../../../src/state/memory/expiring-map.js';

describe('ExpiringMap', () => {
  it('hides an entry once its ttl has passed and forgets it on read', () => {
    let now = 0;
    const map = new ExpiringMap<string>(() => now);
    map.set('a', 'A', 10);
    now = 9;
    expect(map.get('a')).toBe('A');
    now = 10;
    expect(map.get('a')).toBeUndefined();
    expect(map.size).toBe(0);
  });

  it('a write sweeps entries nobody reads again (at most once a second)', () => {
    let now = 0;
    const map = new ExpiringMap<number>(() => now);
    for (let i = 0; i < 100; i++) map.set(`k${i}`, i, 10);
    now = 500;
    map.set('fresh', 1, 10_000);
    // The first set swept at t=0; the next sweep is due at t=1000.
    expect(map.size).toBe(101);
    now = 1_000;
    map.set('fresher', 2, 10_000);
    expect(map.size).toBe(2);
    expect(map.values().sort()).toEqual([1, 2]);
  });

  it('a re-set replaces the value and the expiry', () => {
    let now = 0;
    const map = new ExpiringMap<string>(() => now);
    map.set('a', 'old', 10);
    map.set('a', 'new', 100);
    now = 50;
    expect(map.get('a')).toBe('new');
    expect(map.delete('a')).toBe(true);
    expect(map.delete('a')).toBe(false);
  });
});

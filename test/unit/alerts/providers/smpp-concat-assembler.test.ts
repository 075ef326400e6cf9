import { describe, expect, it } from 'vitest';
import { ConcatAssembler } from '../../../../src/alerts/providers/smpp/concat-assembler.js';

describe('ConcatAssembler', () => {
  it('returns the whole text once every part arrived, in part order', () => {
    const a = new ConcatAssembler();
    expect(a.add('+1', { ref: 5, total: 3, part: 2 }, 'B')).toBeUndefined();
    expect(a.add('+1', { ref: 5, total: 3, part: 3 }, 'C')).toBeUndefined();
    expect(a.add('+1', { ref: 5, total: 3, part: 2 }, 'B')).toBeUndefined(); // duplicate part
    expect(a.add('+1', { ref: 5, total: 3, part: 1 }, 'A')).toBe('ABC');
    expect(a.size).toBe(0);
  });

  it('keeps senders and references apart', () => {
    const a = new ConcatAssembler();
    a.add('+1', { ref: 1, total: 2, part: 1 }, 'x');
    a.add('+2', { ref: 1, total: 2, part: 1 }, 'y');
    expect(a.add('+2', { ref: 1, total: 2, part: 2 }, 'Y')).toBe('yY');
    expect(a.add('+1', { ref: 1, total: 2, part: 2 }, 'X')).toBe('xX');
  });

  it('passes single and malformed parts through', () => {
    const a = new ConcatAssembler();
    expect(a.add('+1', { ref: 1, total: 1, part: 1 }, 'solo')).toBe('solo');
    expect(a.add('+1', { ref: 1, total: 2, part: 9 }, 'odd')).toBe('odd');
  });

  it('drops stale and excess incomplete messages', () => {
    const a = new ConcatAssembler(2, 1000);
    a.add('+1', { ref: 1, total: 2, part: 1 }, 'old', 0);
    a.add('+2', { ref: 1, total: 2, part: 1 }, 'new', 500);
    expect(a.size).toBe(2);
    a.add('+3', { ref: 1, total: 2, part: 1 }, 'newer', 1500); // +1 has expired
    expect(a.size).toBe(2);
    expect(a.add('+1', { ref: 1, total: 2, part: 2 }, 'x', 1500)).toBeUndefined(); // starts afresh, evicting +2 (oldest)
    expect(a.size).toBe(2);
    expect(a.add('+2', { ref: 1, total: 2, part: 2 }, 'y', 1500)).toBeUndefined();
    expect(a.add('+3', { ref: 1, total: 2, part: 2 }, 'z', 1500)).toBeUndefined(); // evicted by +2's restart
  });
});

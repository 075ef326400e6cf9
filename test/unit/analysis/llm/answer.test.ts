import { describe, expect, it } from 'vitest';
import { extractJsonObject } from '../../../../src/analysis/llm/index.js';

describe('extractJsonObject', () => {
  it('takes the first balanced object that parses, from prose or a ```json fence', () => {
    expect(extractJsonObject('{"a":1}')).toEqual({ a: 1 });
    expect(extractJsonObject('Here you go:\n```json\n{"a": {"b": "}"}}\n```\nBye {x}')).toEqual({ a: { b: '}' } });
    // A brace in prose that does not parse is skipped.
    expect(extractJsonObject('Verdict {see below}: {"level": "high"}')).toEqual({ level: 'high' });
    // An escaped quote inside a string does not end it.
    expect(extractJsonObject('{"e": "say \\"{\\" now"}')).toEqual({ e: 'say "{" now' });
  });

  it('finds nothing in text without a complete object', () => {
    expect(extractJsonObject('probably a scam')).toBeUndefined();
    expect(extractJsonObject('{"score": 0.9, "level": "hi')).toBeUndefined();
    expect(extractJsonObject('[1, 2]')).toBeUndefined();
  });
});

/** Shared by the LLM analyzer tests: expecting an AnalyzerUnavailableError, and reading what was logged. */
import { Writable } from 'node:stream';
import { expect } from 'vitest';
import { AnalyzerUnavailableError } from '../../src/analysis/llm/index.js';
import { createLogger, type Logger } from '../../src/log.js';

/** The rejection of `p`, which must be an AnalyzerUnavailableError. */
export async function failure(p: Promise<unknown>): Promise<AnalyzerUnavailableError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AnalyzerUnavailableError);
  return err as AnalyzerUnavailableError;
}

/** A trace-level logger whose output the test can read back. */
export function capturedLog(): { logger: Logger; text: () => string } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { logger: createLogger({ level: 'trace', destination: sink }), text: () => lines.join('') };
}

/** What client libraries hang on errors (ioredis: the failed command and its arguments) never reaches the log. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, maskNumber } from '../../../src/log.js';

describe('logger', () => {
  it('logs errors without the command arguments a client attached to them', () => {
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        out += chunk.toString();
        cb();
      },
    });
    const log = createLogger({ destination: sink });
    const err = Object.assign(new Error('WRONGPASS invalid username-password pair'), {
      command: { name: 'auth', args: ['default', 'OldSecretPw'] },
      args: ['callguard:sub:+12125550123'],
    });
    log.child({ mod: 'state' }).warn({ err }, 'redis link lost');
    expect(out).toContain('WRONGPASS');
    expect(out).toContain('"stack"');
    expect(out).not.toContain('OldSecretPw');
    expect(out).not.toContain('2125550123');
  });

  it('masks numbers keeping the country prefix and the last two digits', () => {
    expect(maskNumber('+12125550123')).toBe('+12*******23');
    expect(maskNumber(maskNumber('+12125550123'))).toBe('+12*******23');
  });
});

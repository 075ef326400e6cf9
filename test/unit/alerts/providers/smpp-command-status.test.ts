import { describe, expect, it } from 'vitest';
import { commandStatusError, commandStatusName } from '../../../../src/alerts/providers/smpp/command-status.js';
import { SmsError } from '../../../../src/alerts/types.js';

describe('commandStatusError', () => {
  it.each([
    [0x58, 'ESME_RTHROTTLED', true],
    [0x14, 'ESME_RMSGQFUL', true],
    [0x08, 'ESME_RSYSERR', true],
    [0x64, 'ESME_RX_T_APPN', true],
    [0x0b, 'ESME_RINVDSTADR', false],
    [0x0a, 'ESME_RINVSRCADR', false],
    [0x50, 'ESME_RINVDSTTON', false],
    [0x104, 'ESME_RINVDCS', false],
    [0x65, 'ESME_RX_P_APPN', false],
  ])('0x%s → %s (retryable %s)', (status, name, retryable) => {
    const err = commandStatusError(status);
    expect(err).toBeInstanceOf(SmsError);
    expect(err).toMatchObject({ code: name, retryable });
    expect(err.message).toContain(name);
  });

  it('names vendor-specific codes by value', () => {
    expect(commandStatusName(0x401)).toBe('ESME_0x0401');
    expect(commandStatusError(0x401).retryable).toBe(false);
  });
});

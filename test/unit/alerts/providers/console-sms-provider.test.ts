import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConsoleSmsProvider } from '../../../../src/alerts/providers/console/index.js';
import { maskNumber } from '../../../../src/log.js';

describe('ConsoleSmsProvider', () => {
  it('prints one line per SMS with the recipient masked', async () => {
    const out = new PassThrough();
    let printed = '';
    out.on('data', (c: Buffer) => (printed += c.toString('utf8')));
    const p = new ConsoleSmsProvider({ stream: out });
    const result = await p.send({ to: '+447700900123', from: 'CallGuard', text: 'Scam warning.\nHang up.', reference: 'alert-1', callId: 'c1' });

    expect(result).toEqual({ messageIds: ['console-alert-1'], segments: 1 });
    expect(printed.split('\n').filter(Boolean)).toHaveLength(1);
    expect(printed).toContain(`to=${maskNumber('+447700900123')} `);
    expect(printed).not.toContain('447700900123');
    expect(printed).toContain('text="Scam warning.\\nHang up."');
  });
});

/**
 * AcsSmsProvider: the real @azure/communication-sms SmsClient against test/support/fake-acs.ts,
 * which checks the HMAC request signing exactly as the service does.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AcsSmsProvider, type AcsSmsProviderOptions } from '../../../../src/alerts/providers/acs/index.js';
import { SmsError, type SmsMessage } from '../../../../src/alerts/types.js';
import { FakeAcs } from '../../../support/fake-acs.js';

let fake: FakeAcs;

const MESSAGE: SmsMessage = {
  to: '+15550002222',
  from: '+15550001111',
  text: 'CallGuard: this call looks like a scam. Hang up.',
  reference: 'alert-42',
  callId: 'call-7',
};

function make(over: Partial<AcsSmsProviderOptions> = {}): AcsSmsProvider {
  return new AcsSmsProvider({ connectionString: fake.connectionString, timeoutMs: 5000, ...over });
}

async function rejection(p: Promise<unknown>): Promise<SmsError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SmsError);
  return err as SmsError;
}

beforeEach(async () => {
  fake = await new FakeAcs().start();
});

afterEach(async () => {
  await fake.close();
});

describe('AcsSmsProvider', () => {
  it('sends a signed request with delivery reports and the reference as tag', async () => {
    const result = await make().send(MESSAGE);

    expect(result.segments).toBe(1);
    expect(result.messageIds).toHaveLength(1);
    expect(result.messageIds[0]).toMatch(/^Outgoing_/);
    expect(fake.requests).toHaveLength(1);
    const req = fake.requests[0]!;
    expect(req.authValid).toBe(true);
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/sms');
    expect(req.query.get('api-version')).toBeTruthy();
    expect(req.body).toMatchObject({
      from: '+15550001111',
      smsRecipients: [{ to: '+15550002222' }],
      message: MESSAGE.text,
      smsSendOptions: { enableDeliveryReport: true, tag: 'alert-42' },
    });
  });

  it('accepts endpoint + key and a configured sender that overrides the message', async () => {
    const p = make({ connectionString: undefined, endpoint: fake.endpoint, key: fake.accessKey, from: 'CALLGUARD' });
    await p.send(MESSAGE);
    expect(fake.requests[0]?.body?.from).toBe('CALLGUARD');
  });

  it('maps a per-recipient 400 to a non-retryable error without quoting the number', async () => {
    fake.script({ kind: 'recipient', status: 400, errorMessage: 'Invalid To phone number +15550002222.' });
    const err = await rejection(make().send(MESSAGE));
    expect(err).toMatchObject({ retryable: false, code: 'ACS_400' });
    expect(err.message).not.toContain('5550002222');
  });

  it('maps per-recipient 429 and 5xx to retryable errors', async () => {
    fake.script({ kind: 'recipient', status: 429 }, { kind: 'recipient', status: 503 });
    expect(await rejection(make().send(MESSAGE))).toMatchObject({ retryable: true, code: 'ACS_429' });
    expect(await rejection(make().send(MESSAGE))).toMatchObject({ retryable: true, code: 'ACS_503' });
  });

  it('maps whole-request failures: 429/500 retryable, 401 (bad key) not', async () => {
    fake.script({ kind: 'status', status: 429 }, { kind: 'status', status: 500 });
    expect(await rejection(make().send(MESSAGE))).toMatchObject({ retryable: true, code: 'ACS_429' });
    expect(await rejection(make().send(MESSAGE))).toMatchObject({ retryable: true, code: 'ACS_500' });
    // Does not retry inside the SDK: one request per send.
    expect(fake.requests).toHaveLength(2);

    const wrongKey = make({ connectionString: `endpoint=${fake.endpoint};accesskey=${Buffer.from('wrong').toString('base64')}` });
    expect(await rejection(wrongKey.send(MESSAGE))).toMatchObject({ retryable: false, code: 'ACS_401' });
    expect(fake.requests.at(-1)?.authValid).toBe(false);
  });

  it('maps a dropped connection and a timeout to retryable errors', async () => {
    fake.script({ kind: 'destroy' }, { kind: 'delay', ms: 5000 });
    expect(await rejection(make().send(MESSAGE))).toMatchObject({ retryable: true, code: 'ACS_NETWORK' });
    expect(await rejection(make({ timeoutMs: 200 }).send(MESSAGE))).toMatchObject({ retryable: true, code: 'ACS_TIMEOUT' });
  });

  it('refuses an http: endpoint that is not loopback unless explicitly allowed', () => {
    const connectionString = `endpoint=http://sms.example.invalid/;accesskey=${fake.accessKey}`;
    expect(() => new AcsSmsProvider({ connectionString })).toThrow(/loopback/);
    expect(() => new AcsSmsProvider({ connectionString, allowInsecureConnection: true })).not.toThrow();
  });

  it('rejects a malformed connection string without echoing the key', () => {
    expect(() => new AcsSmsProvider({ connectionString: 'accesskey=c2VjcmV0LWtleQ==' })).toThrow(/connection string/);
    try {
      new AcsSmsProvider({ connectionString: 'accesskey=c2VjcmV0LWtleQ==' });
    } catch (err) {
      expect((err as Error).message).not.toContain('c2VjcmV0LWtleQ==');
    }
  });

  it('fails after close()', async () => {
    const p = make();
    await p.close();
    expect(await rejection(p.send(MESSAGE))).toMatchObject({ code: 'ACS_CLOSED' });
  });
});

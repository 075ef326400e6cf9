import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseNumber } from '../../../src/siprec/numbers.js';
import { PROVISION_PROBLEMS } from '../../../src/state/provision.js';
import { formatCsvError, formatSubscriberCsv, parseSubscriberCsv } from '../../../src/state/subscriber-csv.js';

const NOT_AN_IDENTITY = PROVISION_PROBLEMS['not-an-identity'];
const SMS_REQUIRED = PROVISION_PROBLEMS['sms-required'];
import type { Subscriber } from '../../../src/state/types.js';

describe('parseSubscriberCsv', () => {
  it('reads number,locale lines without a header, normalising national numbers to E.164', () => {
    const r = parseSubscriberCsv('(212) 555-0123,en\n+44 20 7123 4567\n', 'US');
    expect(r).toEqual({ subscribers: [{ number: '+12125550123', locale: 'en' }, { number: '+442071234567' }], errors: [] });
  });

  it('finds columns by header name in any order and ignores the others', () => {
    const r = parseSubscriberCsv('Locale,Provisioned_At,Number\nes-MX,2024-01-01T00:00:00.000Z,2125550123\n', 'US');
    expect(r).toEqual({ subscribers: [{ number: '+12125550123', locale: 'es-MX' }], errors: [] });
  });

  it('accepts semicolons, quotes, a BOM, CRLF, blank lines and # comments', () => {
    const text = '\uFEFFnumber;locale\r\n# exported from the CRM\r\n\r\n"+1 (212) 555-0123"; "en"\r\n  # indented comment\r\n"212 555 0124";"pt-BR"\r\n';
    expect(parseSubscriberCsv(text, 'US')).toEqual({
      subscribers: [
        { number: '+12125550123', locale: 'en' },
        { number: '+12125550124', locale: 'pt-BR' },
      ],
      errors: [],
    });
  });

  it('keeps a delimiter inside quotes and unescapes doubled quotes', () => {
    // The ignored `name` column holds what would otherwise split the line.
    expect(parseSubscriberCsv('number,name,locale\n+12125550123,"Smith, J.",en\n', 'US').subscribers).toEqual([{ number: '+12125550123', locale: 'en' }]);
    expect(parseSubscriberCsv('name;number;locale\n"say ""hi""; bye";2125550123;fr\n', 'US').subscribers).toEqual([{ number: '+12125550123', locale: 'fr' }]);
    // A number with a quote in it is not a number; reported, not echoed.
    expect(parseSubscriberCsv('"+1212555""0124",fr\n', 'US').errors).toEqual([{ line: 1, message: NOT_AN_IDENTITY }]);
  });

  it('reports bad lines by line number without echoing the value', () => {
    const text = ['number,locale', '+12125550123,en', '', 'call me maybe,en', '4440123,en', '+12125550124,english!', ',en', '"+12125550125,en', '(212) 555-0123,fr'].join('\n');
    const r = parseSubscriberCsv(text, 'US');
    expect(r.subscribers).toEqual([{ number: '+12125550123', locale: 'en' }]);
    expect(r.errors).toEqual([
      { line: 4, message: NOT_AN_IDENTITY },
      // digits that are no number here could be an SRC's identity, which needs the number its SMS goes to
      { line: 5, message: SMS_REQUIRED },
      { line: 6, message: 'locale is not a BCP 47 language tag (e.g. en, es-MX)' },
      { line: 7, message: 'missing phone number' },
      { line: 8, message: 'unterminated quoted field' },
      { line: 9, message: 'duplicate of line 2' },
    ]);
    expect(formatCsvError(r.errors[0]!)).toBe(`line 4: ${NOT_AN_IDENTITY}`);
    for (const e of r.errors) expect(e.message).not.toMatch(/444|english|call me/);
  });

  it('refuses a header without a number column', () => {
    expect(parseSubscriberCsv('locale,provisioned_at\nen,2024-01-01\n', 'US')).toEqual({
      subscribers: [],
      errors: [{ line: 1, message: 'header has no "number" column' }],
    });
  });

  it('cannot read national numbers without a usable default country', () => {
    const r = parseSubscriberCsv('2125550123\n+12125550124\n', 'ZZ');
    expect(r.subscribers).toEqual([{ number: '+12125550124' }]);
    expect(r.errors).toEqual([{ line: 1, message: SMS_REQUIRED }]);
  });

  it('reads identities as the SRC names them, each with the number its SMS goes to (sms column)', () => {
    const text = 'number,sms,locale\nsip:86074075017412@as.example,+12125550123,en\n8101,(212) 555-0124,\nalice@PBX.example,+442071234567,fr\n8102,\n8103,not-a-number\n+12125550125,+12125550125\n';
    const r = parseSubscriberCsv(text, 'US');
    expect(r.subscribers).toEqual([
      { number: '86074075017412', sms: '+12125550123', locale: 'en' },
      { number: '8101', sms: '+12125550124' },
      { number: 'alice@pbx.example', sms: '+442071234567', locale: 'fr' },
      { number: '+12125550125' },
    ]);
    expect(r.errors).toEqual([
      { line: 5, message: SMS_REQUIRED },
      { line: 6, message: PROVISION_PROBLEMS['sms-not-a-number'] },
    ]);
    // Without a header the third column is the SMS number.
    expect(parseSubscriberCsv('8101,en,+12125550124\n', 'US').subscribers).toEqual([{ number: '8101', locale: 'en', sms: '+12125550124' }]);
  });

  it('never throws and never echoes input in an error, whatever the text', () => {
    const problems = new Set<string>(Object.values(PROVISION_PROBLEMS));
    const known = /^(missing phone number|unterminated quoted field|duplicate of line \d+|header has no "number" column|locale is not a BCP 47 language tag \(e\.g\. en, es-MX\))$/;
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('1', '2', '+', ',', ';', '"', '\n', '\r', '#', ' ', 'a', '-', 'n', 'u', 'm', 'b', 'e', 'r') }), (text) => {
        const r = parseSubscriberCsv(text, 'US');
        for (const e of r.errors) expect(problems.has(e.message) || known.test(e.message)).toBe(true);
        // A phone number, or an identity with the phone number its SMS goes to.
        for (const s of r.subscribers) expect(s.number.startsWith('+') ? s.number : s.sms).toMatch(/^\+\d+$/);
      }),
    );
  });
});

describe('formatSubscriberCsv', () => {
  it('writes a header and ISO provisioning times', () => {
    const csv = formatSubscriberCsv([
      { number: '+12125550123', locale: 'en', provisionedAt: Date.UTC(2024, 0, 2, 3, 4, 5) },
      { number: '+12125550124', provisionedAt: Number.NaN },
    ]);
    expect(csv).toBe('number,locale,provisioned_at,sms\n+12125550123,en,2024-01-02T03:04:05.000Z,\n+12125550124,,,\n');
    expect(formatSubscriberCsv([{ number: '8101', sms: '+12125550124', provisionedAt: 0 }])).toBe('number,locale,provisioned_at,sms\n8101,,1970-01-01T00:00:00.000Z,+12125550124\n');
  });

  it('quotes a field that would otherwise split or read as a comment', () => {
    expect(formatSubscriberCsv([{ number: '#1,"x"', provisionedAt: 0 }])).toBe('number,locale,provisioned_at,sms\n"#1,""x""",,1970-01-01T00:00:00.000Z,\n');
  });
});

describe('subscriber CSV round trip', () => {
  /** E.164 numbers the normaliser maps to themselves, in a few numbering plans. */
  const e164 = fc
    .tuple(fc.constantFrom('+1212', '+1646', '+4420', '+3314', '+4930', '+6128'), fc.stringMatching(/^[2-9][0-9]{6}$/))
    .map(([cc, rest]) => normaliseNumber(cc + rest, 'US'))
    .filter((n): n is string => n !== undefined);
  const locale = fc.option(fc.stringMatching(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8}){0,2}$/), { nil: undefined });
  const subscriber = fc.record({ number: e164, locale, provisionedAt: fc.integer({ min: 0, max: 4_102_444_800_000 }) });

  it('parse(format(list)) gives back every number and locale', () => {
    fc.assert(
      fc.property(fc.uniqueArray(subscriber, { selector: (s) => s.number, maxLength: 50 }), (list) => {
        const subs: Subscriber[] = list.map(({ number, locale: l, provisionedAt }) => (l === undefined ? { number, provisionedAt } : { number, locale: l, provisionedAt }));
        const parsed = parseSubscriberCsv(formatSubscriberCsv(subs), 'US');
        expect(parsed.errors).toEqual([]);
        expect(parsed.subscribers).toEqual(subs.map(({ number, locale: l }) => (l === undefined ? { number } : { number, locale: l })));
      }),
    );
  });
});

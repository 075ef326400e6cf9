import { describe, expect, it } from 'vitest';
import { extractDialString, isE164, normaliseIdentity, normaliseNumber } from '../../../src/siprec/numbers.js';

describe('normaliseNumber', () => {
  it('remembers a parse per dial string and default country, never across countries', () => {
    // A national number is read with the default country: the remembered US answer must not leak into GB.
    expect(normaliseNumber('(212) 555-0123', 'US')).toBe('+12125550123');
    expect(normaliseNumber('2125550123', 'GB')).toBeUndefined();
    expect(normaliseNumber('212-555-0123', 'US')).toBe('+12125550123');
    expect(normaliseNumber('020 7946 0018', 'GB')).toBe('+442079460018');
    expect(normaliseNumber('02079460018', 'US')).toBeUndefined();
    // Past the bound (two generations of 5,000) the oldest go, and a number parses again to the same answer.
    for (let i = 0; i < 10_050; i++) normaliseNumber(`+1212555${String(i).padStart(4, '0')}`, 'US');
    expect(normaliseNumber('(212) 555-0123', 'US')).toBe('+12125550123');
    expect(normaliseNumber('sip:+4915112345678@x', 'US')).toBe('+4915112345678');
    expect(normaliseNumber('sip:+1MYPHONENUMBER@x', 'US')).toBeUndefined();
  });

  it.each([
    // [input, default country, expected]
    ['sip:+12125550123@example.com', 'US', '+12125550123'],
    ['sips:+12125550123@example.com', 'US', '+12125550123'],
    ['SIP:+12125550123@EXAMPLE.COM', 'US', '+12125550123'],
    ['sip:+19015783200@broadcore.com;user=phone', 'US', '+19015783200'],
    ['tel:+1-212-555-0123', 'US', '+12125550123'],
    ['tel:5550123;phone-context=+1212', 'US', '+12125550123'],
    ['+12125550123', 'GB', '+12125550123'],
    ['2125550123', 'US', '+12125550123'], // national, default country
    ['12125550123', 'US', '+12125550123'], // national with trunk prefix 1
    ['sip:13035381001@10.64.110.65', 'US', '+13035381001'],
    ['7602922411', 'US', '+17602922411'], // Metaswitch bare aor
    ['2249888500@172.16.198.55', 'US', '+12249888500'], // Ribbon aor without scheme
    ['sip:8638254725', 'US', '+18638254725'], // BroadWorks: no host part
    ['"Alice" <sip:+442079460123@example.com>;tag=1', 'US', '+442079460123'], // name-addr
    ['<tel:+44 20 7946 0123>', 'US', '+442079460123'],
    ['(212) 555-0123', 'US', '+12125550123'],
    ['sip:%2B12125550123@example.com', 'US', '+12125550123'], // escaped '+'
    ['02079460123', 'GB', '+442079460123'],
    ['00442079460123', 'GB', '+442079460123'], // IDD prefix of the default country
    ['0733165805', 'IL', '+972733165805'],
    ['016190200', 'IE', '+35316190200'],
    ['+15550001002', 'US', '+15550001002'], // explicit '+': possible is enough (555 test range)
  ])('%s (%s) → %s', (input, country, expected) => {
    expect(normaliseNumber(input, country)).toBe(expected);
  });

  it.each([
    ['sip:ASBCE@asbce.com', 'US'], // Avaya placeholder participant
    ['sip:7301@35.162.237.204', 'US'], // extension
    ['Extension-016190619@speechpath.ie', 'IE'], // letters
    ['sip:+1MYPHONENUMBER@SBC_IP', 'US'], // vanity letters must not become digits
    ['sip:+XXXXXXXXXX@SBC_IP;user=phone', 'US'],
    ['0733165805', 'US'], // foreign national number is not "valid" in the US: no garbage +1073…
    ['9878942259', 'US'], // 987 is not a US area code
    ['2125550123', 'XX'], // unknown default country: national numbers cannot be read
    ['2125550123', ''],
    ['', 'US'],
    ['+', 'US'],
    ['+1', 'US'],
    ['+123456789012345678', 'US'], // longer than E.164 allows
    ['sip:anonymous@anonymous.invalid', 'US'],
    ['sip:%ZZ@example.com', 'US'], // broken escape
    ['1+2125550123', 'US'], // '+' only leads
  ])('%s (%s) has no number', (input, country) => {
    expect(normaliseNumber(input, country)).toBeUndefined();
  });

  it('is idempotent on its own output, so provisioning and lookup agree', () => {
    for (const n of ['+12125550123', '+442079460123', '+972546136443']) {
      expect(normaliseNumber(normaliseNumber(n, 'US') ?? '', 'FR')).toBe(n);
    }
  });

  it('extractDialString keeps only + and digits of the user part', () => {
    expect(extractDialString('sip:+1-212.555 0123;isub=77@example.com;user=phone')).toBe('+12125550123');
    expect(extractDialString('sip:alice@example.com')).toBeUndefined();
  });
});

describe('normaliseIdentity (subscribers as the SRC names them)', () => {
  it.each([
    ['sip:+12125550123@x;user=phone', '+12125550123'],
    ['2125550123', '+12125550123'],
    ['sip:86074075017412@as.broadworks.example;user=phone', '86074075017412'],
    ['86074075017412', '86074075017412'],
    ['sip:8101@10.155.7.148;user=phone', '8101'],
    ['<sip:8101@pbx>;tag=1', '8101'],
    ['tel:8101', '8101'],
    ['sip:Alice.Smith@Webex.Example:5061;transport=tls', 'Alice.Smith@webex.example'],
    ['yztpfzzvkq@44936045.int10.bcld.webex.com', 'yztpfzzvkq@44936045.int10.bcld.webex.com'],
    ['sip:al%69ce@pbx.example', 'alice@pbx.example'],
    ['sip:bob@[2001:db8::1]:5060', 'bob@[2001:db8::1]'],
    ['alice', 'alice'],
  ])('%s → %s', (input, key) => {
    expect(normaliseIdentity(input, 'US')).toBe(key);
  });

  it.each([
    ['', 'empty'],
    ['+1MYPHONENUMBER', 'a vanity label would pass for E.164'],
    ['sip:+1MYPHONE@x', 'the same in a URI'],
    ['+999', 'a + number that cannot be E.164'],
    ['sip:a b@x', 'a space'],
    ['sip:al%ZZce@x', 'bad escape'],
    ['sip:' + 'a'.repeat(200) + '@x', 'too long'],
  ])('%s → undefined (%s)', (input) => {
    expect(normaliseIdentity(input, 'US')).toBeUndefined();
  });

  it('a key starts with + exactly when it is E.164', () => {
    for (const v of ['+12125550123', '8101', 'alice@x', '86074075017412', 'sip:+442071838750@x']) {
      const k = normaliseIdentity(v, 'US')!;
      expect(isE164(k)).toBe(normaliseNumber(v, 'US') !== undefined);
    }
  });
});

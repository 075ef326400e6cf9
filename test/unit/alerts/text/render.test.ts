import { describe, expect, it } from 'vitest';
import { countSegments } from '../../../../src/alerts/sms/index.js';
import { renderAlertText, type AlertBrand, type RenderSource } from '../../../../src/alerts/text/render.js';
import { resolveLocale, SUPPORTED_LOCALES } from '../../../../src/alerts/text/locales/index.js';
import { buildExplanation } from '../../../../src/alerts/text/explanation.js';
import { toGsm7 } from '../../../../src/alerts/text/transliterate.js';
import type { Tactic } from '../../../../src/analysis/types.js';

const BRAND: AlertBrand = { name: 'Acme Mobile', senderId: 'ACME', replyKeyword: 'NOTSCAM', helpNumber: '0800 123 456' };
const CALLER = '+12125550123';
const MASKED = '+12*******23';

/** The local analyzer's phrasing: its organisation label plus its two longest demand labels. */
const SSA_GIFT_SSN =
  'The caller claims to be from the Social Security Administration, demands payment in gift cards and asks for your Social Security number.';
const LONGEST_LOCAL =
  'The caller claims to be from the Social Security Administration, demands moving your money to a "safe account" and asks for remote access to your computer.';
const VERY_LONG =
  'The caller claims to be from the Social Security Administration, says your Social Security number has been suspended because of ' +
  'suspicious activity linked to drug trafficking in Texas, threatens arrest by federal agents within the hour, demands payment in gift ' +
  'cards bought at several different stores, asks for your bank account number and the code sent to your phone, and insists that you ' +
  'keep the whole call secret from your family and your bank.';

const job = (over: Partial<RenderSource> = {}): RenderSource => ({
  caller: CALLER,
  locale: 'en',
  category: 'government',
  tactics: ['impersonation', 'payment', 'credentials'],
  explanation: SSA_GIFT_SSN,
  ...over,
});

const replyOf = (lang: string, keyword = BRAND.replyKeyword) => `${toGsm7(resolveLocale(lang).replyPrompt)} ${keyword}`;

describe('renderAlertText: fitting two segments', () => {
  it('the test explanations are as long as they claim', () => {
    expect(SSA_GIFT_SSN.length).toBeGreaterThan(130);
    expect(LONGEST_LOCAL.length).toBeGreaterThan(150);
    expect(VERY_LONG.length).toBeGreaterThanOrEqual(400);
  });

  it.each(SUPPORTED_LOCALES)('%s fits two GSM-7 segments with every explanation, keeping brand, masked caller and reply', (lang) => {
    for (const explanation of [SSA_GIFT_SSN, LONGEST_LOCAL, VERY_LONG]) {
      const r = renderAlertText(job({ locale: lang, explanation }), BRAND);
      expect(r.locale).toBe(lang);
      expect(r.encoding).toBe('gsm7');
      expect(r.segments).toBeLessThanOrEqual(2);
      expect(countSegments(r.text).units).toBeLessThanOrEqual(306);
      expect(r.text.startsWith('Acme Mobile')).toBe(true);
      expect(r.text).toContain(MASKED);
      expect(r.text.endsWith(replyOf(lang))).toBe(true);
    }
  });

  it('keeps the longest explanation the local analyzer writes whole in English', () => {
    for (const explanation of [SSA_GIFT_SSN, LONGEST_LOCAL]) {
      const r = renderAlertText(job({ explanation }), BRAND);
      expect(r.text).toContain(explanation);
      expect(r.segments).toBe(2);
    }
  });

  it('keeps every localized explanation whole: all categories, agencies and pairs of demands, in every language', () => {
    const claims: Array<[string, string, Tactic[]]> = [
      ['government', '', ['impersonation']],
      ['government', 'IRS', ['impersonation']],
      ['government', 'police', ['impersonation']],
      ['government', 'Social Security Administration', ['impersonation']],
      ['bank', '', []],
      ['tech-support', '', []],
      ['family', '', []],
      ['prize', '', []],
      ['refund', '', []],
      ['other', '', ['impersonation']],
      ['none', '', []],
    ];
    const demands: Array<[Tactic, string[]]> = [
      ['payment', ['', 'gift cards', 'bitcoin', 'wire transfer', 'safe account', 'cash', 'fee']],
      ['credentials', ['', 'online banking', 'Social Security number', 'account number', 'card details', 'code', 'PIN']],
      ['remote-access', ['', 'install']],
      ['urgency', ['', 'arrest', 'legal', 'suspend', 'hacked']],
      ['secrecy', ['']],
    ];
    let checked = 0;
    for (const lang of SUPPORTED_LOCALES) {
      const text = resolveLocale(lang).explanation;
      for (const [category, agency, claimTactics] of claims)
        for (let i = 0; i < demands.length; i++)
          for (let j = i + 1; j < demands.length; j++)
            for (const a of demands[i]![1])
              for (const b of demands[j]![1]) {
                // English builds its own sentence only when the analyzer gave none.
                const source = { category, tactics: [...claimTactics, demands[i]![0], demands[j]![0]], explanation: `${agency} ${a} ${b}` };
                const r = renderAlertText(job({ ...source, locale: lang, explanation: lang === 'en' ? '' : source.explanation }), BRAND);
                const expected = toGsm7(buildExplanation(lang === 'en' ? { ...source, explanation: '' } : source, text));
                if (!r.text.includes(expected) || r.segments > 2) expect.fail(`${lang}: "${expected}" not whole in ${r.segments} segments: ${r.text}`);
                checked++;
              }
    }
    expect(checked).toBeGreaterThan(10_000);
  });
});

describe('renderAlertText: content', () => {
  it('says who it is from, which call, why, what to do, that it can be wrong and how to dispute', () => {
    const r = renderAlertText(job({ explanation: 'The caller claims to be from the IRS and demands payment in gift cards.' }), BRAND, { maxSegments: 3 });
    expect(r.text).toBe(
      'Acme Mobile: the current call from +12*******23 is likely a scam. The caller claims to be from the IRS and demands payment in gift cards. ' +
        'Hang up and never share codes or PINs. To check, call back on a number you trust, e.g. the one on your card. Help: 0800 123 456. ' +
        'This is an automatic judgement and can be wrong. Not a scam? Reply NOTSCAM',
    );
  });

  it('writes Spanish for es-MX from category and tactics, not the English sentence', () => {
    const r = renderAlertText(job({ locale: 'es-MX', category: 'government', tactics: ['impersonation', 'payment'], explanation: 'The caller claims to be from a government agency and demands payment in gift cards.' }), BRAND);
    expect(r.locale).toBe('es');
    expect(r.text).toContain('Acme Mobile: la llamada actual de +12*******23 parece una estafa.');
    expect(r.text).toContain('Quien llama dice ser de una agencia del gobierno y pide un pago con tarjetas regalo.');
    expect(r.text).toContain('Cuelgue');
    expect(r.text).not.toMatch(/caller|gift/i);
    expect(r.text.endsWith('¿No es una estafa? Responda NOTSCAM')).toBe(true);
  });

  it('folds accents GSM-7 lacks, so Portuguese and French stay GSM-7', () => {
    const pt = renderAlertText(job({ locale: 'pt-BR' }), BRAND);
    expect(pt.encoding).toBe('gsm7');
    expect(pt.text).toContain('Nao é fraude? Responda NOTSCAM');
    const fr = renderAlertText(job({ locale: 'fr-CA', category: 'bank', tactics: ['impersonation'] }), BRAND);
    expect(fr.encoding).toBe('gsm7');
    expect(fr.text).toContain("L'appelant prétend etre de votre banque.");
  });

  it('says "the current call" when there is no caller number, or nothing recognisable is left after masking', () => {
    for (const caller of [undefined, '', 'anonymous', 'sip:anonymous@anonymous.invalid', '1234']) {
      const r = renderAlertText(job({ caller }), BRAND);
      expect(r.text.startsWith('Acme Mobile: the current call is likely a scam.'), String(caller)).toBe(true);
    }
    const de = renderAlertText(job({ caller: undefined, locale: 'de' }), BRAND);
    expect(de.text.startsWith('Acme Mobile: Ihr laufendes Gespräch ist vermutlich Betrug.')).toBe(true);
  });

  it('shows the caller masked and never the full number, even when the analyzer sentence quotes it', () => {
    const quoting = job({ caller: 'sip:+12125550123@carrier.example;user=phone', explanation: 'The caller at +1 212 555 0123 asks you to call back on 0800 555 0199.' });
    for (const lang of SUPPORTED_LOCALES) {
      const r = renderAlertText({ ...quoting, locale: lang }, BRAND);
      expect(r.text).toContain(MASKED);
      expect(r.text.replace(/\D/g, '')).not.toContain('2125550123');
      expect(r.text).not.toMatch(/555/);
    }
    expect(renderAlertText(quoting, BRAND).text).toContain('The caller at +12*******23 asks you to call back on 08*******99.');
  });

  it('sends the reply keyword exactly as configured, last, even when GSM-7 lacks its characters', () => {
    const r = renderAlertText(job({ locale: 'pt' }), { ...BRAND, replyKeyword: 'NÃO' });
    expect(r.text.endsWith('Responda NÃO')).toBe(true);
    expect(r.encoding).toBe('ucs2');
  });
});

describe('renderAlertText: shortening', () => {
  const en = resolveLocale('en');
  type Stage = 0 | 1 | 2 | 3 | 4 | 5 | 6;

  /** Which step of shortening a text shows, from the optional sentences present. */
  function stageOf(text: string, explanation: string): Stage {
    const has = (s: string) => text.includes(s);
    if (!has(explanation)) return 6;
    if (has(en.advice.short)) return 5;
    if (!has(en.callBack.short) && !has(en.callBack.full)) return 4;
    if (has(en.caveat.short)) return 3;
    if (!has('Help: 0800 123 456.')) return 2;
    if (has(en.callBack.short)) return 1;
    return 0;
  }

  it('drops the call-back example, the help line, the long caveat, the call-back advice, the long advice, then truncates the explanation', () => {
    const stages: Stage[] = [];
    for (let words = 1; words <= 80; words++) {
      const explanation = `The caller ${'is very odd '.repeat(words).trim()}.`;
      const r = renderAlertText(job({ explanation }), BRAND);
      expect(r.segments).toBeLessThanOrEqual(2);
      expect(r.text.startsWith('Acme Mobile: the current call from +12*******23 is likely a scam.')).toBe(true);
      expect(r.text.endsWith('Not a scam? Reply NOTSCAM')).toBe(true);
      const stage = stageOf(r.text, explanation);
      if (stages.length === 0 || stages[stages.length - 1] !== stage) stages.push(stage);
    }
    expect(stages).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('truncates the explanation at a word boundary with "..." only as a last resort', () => {
    const r = renderAlertText(job({ explanation: VERY_LONG }), BRAND);
    expect(r.segments).toBe(2);
    const start = 'Acme Mobile: the current call from +12*******23 is likely a scam. ';
    const end = ` ${en.advice.short} ${en.caveat.short} Not a scam? Reply NOTSCAM`;
    expect(r.text.startsWith(start) && r.text.endsWith(end)).toBe(true);
    const shown = r.text.slice(start.length, r.text.length - end.length);
    expect(shown.endsWith('...')).toBe(true);
    const kept = shown.slice(0, -3);
    expect(kept.length).toBeGreaterThan(100);
    expect(VERY_LONG.startsWith(kept)).toBe(true);
    // Cut between words, and no dangling comma before the ellipsis.
    expect(VERY_LONG.slice(kept.length).trimStart().length).toBeLessThan(VERY_LONG.slice(kept.length).length);
    expect(kept).not.toMatch(/[,;:]$/);
    // And it uses the room: one more word would not have fitted.
    const next = VERY_LONG.slice(0, VERY_LONG.indexOf(' ', kept.length + 1));
    expect(countSegments(r.text.replace(shown, `${next}...`)).segments).toBeGreaterThan(2);
  });

  it('honours maxSegments: one segment still has brand, caller and reply; three keep every optional sentence', () => {
    const one = renderAlertText(job({ explanation: LONGEST_LOCAL }), BRAND, { maxSegments: 1 });
    expect(one.segments).toBe(1);
    expect(countSegments(one.text).units).toBeLessThanOrEqual(160);
    expect(one.text).toContain('Acme Mobile');
    expect(one.text).toContain(MASKED);
    expect(one.text.endsWith('Not a scam? Reply NOTSCAM')).toBe(true);

    const three = renderAlertText(job({ explanation: LONGEST_LOCAL }), BRAND, { maxSegments: 3 });
    expect(three.segments).toBe(3);
    for (const s of [LONGEST_LOCAL, en.callBack.full, 'Help: 0800 123 456.', en.caveat.full, en.advice.full]) expect(three.text).toContain(s);
  });

  it('forces a non-GSM analyzer sentence onto GSM-7 rather than halving the room with UCS-2', () => {
    const explanation = 'The caller claims to be from Ростелеком and demands payment in gift cards 🎁.';
    const r = renderAlertText(job({ explanation }), BRAND);
    expect(r.encoding).toBe('gsm7');
    expect(r.segments).toBeLessThanOrEqual(2);
    expect(r.text).toContain('The caller claims to be from ? and demands payment in gift cards ?.');
    // With room for UCS-2 the sentence goes as written.
    const roomy = renderAlertText(job({ explanation }), BRAND, { maxSegments: 4 });
    expect(roomy.encoding).toBe('ucs2');
    expect(roomy.text).toContain(explanation);
  });

  it('rejects a maxSegments that is not a positive integer', () => {
    expect(() => renderAlertText(job(), BRAND, { maxSegments: 0 })).toThrow(RangeError);
    expect(() => renderAlertText(job(), BRAND, { maxSegments: 1.5 })).toThrow(RangeError);
  });
});

describe('renderAlertText: locale', () => {
  it('picks the language by primary subtag, case-insensitively, POSIX underscores too', () => {
    const cases: Array<[string | undefined, string]> = [
      ['es-MX', 'es'],
      ['ES', 'es'],
      ['pt_BR', 'pt'],
      ['de-AT', 'de'],
      ['fr-CA', 'fr'],
      ['it-CH', 'it'],
      ['en-GB', 'en'],
    ];
    for (const [tag, lang] of cases) expect(renderAlertText(job({ locale: tag }), BRAND).locale, String(tag)).toBe(lang);
  });

  it('falls back to the default locale, then English, for a missing or unsupported language', () => {
    for (const tag of [undefined, '', 'zh-CN', 'nl', 'x-unknown']) {
      expect(renderAlertText(job({ locale: tag }), BRAND).locale, String(tag)).toBe('en');
      const r = renderAlertText(job({ locale: tag }), BRAND, { defaultLocale: 'de-DE' });
      expect(r.locale).toBe('de');
      expect(r.text).toContain('Kein Betrug? Antworten Sie NOTSCAM');
    }
    expect(renderAlertText(job({ locale: 'zh-CN' }), BRAND, { defaultLocale: 'nl' }).locale).toBe('en');
    // A supported subscriber language wins over the default.
    expect(renderAlertText(job({ locale: 'it' }), BRAND, { defaultLocale: 'de' }).locale).toBe('it');
  });
});

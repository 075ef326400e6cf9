import { describe, expect, it } from 'vitest';
import { encodingOf } from '../../../../src/alerts/sms/index.js';
import { toGsm7 } from '../../../../src/alerts/text/transliterate.js';

describe('toGsm7', () => {
  it('leaves GSM-7 letters alone and strips accents GSM-7 lacks', () => {
    expect(toGsm7('é è ù ì ò à Ç ñ Ñ ü Ü ö Ö ä Ä ß Å ø')).toBe('é è ù ì ò à Ç ñ Ñ ü Ü ö Ö ä Ä ß Å ø');
    expect(toGsm7('número código está prêmio cartão façam ação')).toBe('numero codigo esta premio cartao facam acao');
    expect(toGsm7('être, sûr, reçu, È')).toBe('etre, sur, recu, E');
    expect(toGsm7('œuvre Œ')).toBe('oeuvre OE');
  });

  it('replaces typography with plain characters', () => {
    expect(toGsm7('‘it’s’ “safe account” «compte» – — … a\u00a0b\u202fc\u200bd')).toBe('\'it\'s\' "safe account" "compte" - - ... a b cd');
  });

  it('composes a decomposed accent first (e + U+0301 is é)', () => {
    expect(toGsm7('cafe\u0301')).toBe('café');
  });

  it('keeps what has no GSM-7 equivalent, so the text honestly goes UCS-2', () => {
    expect(toGsm7('中 😀 ł')).toBe('中 😀 ł');
    expect(encodingOf(toGsm7('Warnung 😀'))).toBe('ucs2');
  });

  it('makes accented Spanish, French and Portuguese GSM-7', () => {
    for (const s of ['¿Qué pasó? Llamó él.', 'Où êtes-vous ? Ça va.', 'Não revele códigos à ninguém.']) {
      expect(encodingOf(s), s).toBe('ucs2');
      expect(encodingOf(toGsm7(s)), s).toBe('gsm7');
    }
  });
});

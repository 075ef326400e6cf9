/**
 * The subscriber's alert SMS: headline (brand, masked caller), why, what to do, the caveat and how to
 * dispute, in the subscriber's language, folded onto GSM-7 and shortened to fit `maxSegments`.
 */
import { maskNumber } from '../../log.js';
import type { AlertJob, AlertText } from '../types.js';
import { explanationFor } from './explanation.js';
import { resolveLocale } from './locales/index.js';
import { countSegments } from '../sms/index.js';
import type { AlertLocale } from './template.js';
import { forceGsm7, toGsm7 } from './transliterate.js';

export interface AlertBrand {
  /** Shown first in the text ("Acme Mobile: …"). */
  name: string;
  /** Alphanumeric (≤ 11) or numeric sender the SMS goes from; not part of the text. */
  senderId: string;
  /** What the subscriber replies to dispute, e.g. "NOTSCAM"; sent exactly as given. */
  replyKeyword: string;
  /** The operator's help line, added when there is room. */
  helpNumber?: string;
}

export interface RenderOptions {
  /** Used when the job's locale is missing or unsupported; "en" by default. */
  defaultLocale?: string;
  /** The most SMS the text may take; 2 by default. */
  maxSegments?: number;
}

export type RenderedAlertText = AlertText & {
  /** The language the text is in (primary subtag: "es" for an "es-MX" subscriber). */
  locale: string;
};

export type RenderSource = Pick<AlertJob, 'caller' | 'locale' | 'category' | 'tactics' | 'explanation'>;

/** What stays of the optional sentences at one step of shortening. */
interface Cut {
  callBack: 'full' | 'short' | 'none';
  help: boolean;
  caveat: 'full' | 'short';
  advice: 'full' | 'short';
}

/**
 * Tried in order until the text fits; the explanation stays whole through all of them and is only
 * truncated after the last. The brand and the reply instruction are in every one.
 */
const CUTS: readonly Cut[] = [
  { callBack: 'full', help: true, caveat: 'full', advice: 'full' },
  { callBack: 'short', help: true, caveat: 'full', advice: 'full' },
  { callBack: 'short', help: false, caveat: 'full', advice: 'full' },
  { callBack: 'short', help: false, caveat: 'short', advice: 'full' },
  { callBack: 'none', help: false, caveat: 'short', advice: 'full' },
  { callBack: 'none', help: false, caveat: 'short', advice: 'short' },
];

const ELLIPSIS = '...'; // "…" is not GSM-7 and would turn the whole text UCS-2

/** Everything but the explanation, which shortening varies. */
interface Parts {
  locale: AlertLocale;
  headline: string;
  helpNumber: string | undefined;
  reply: string;
}

function compose(p: Parts, cut: Cut, explanation: string): string {
  const { locale } = p;
  const sentences = [
    p.headline,
    explanation,
    locale.advice[cut.advice],
    cut.callBack === 'none' ? '' : locale.callBack[cut.callBack],
    cut.help && p.helpNumber ? locale.help(p.helpNumber) : '',
    locale.caveat[cut.caveat],
  ];
  const body = toGsm7(sentences.filter((s) => s.length > 0).join(' '));
  // The keyword is appended after folding: the subscriber must be able to type back exactly what is shown.
  return `${body} ${p.reply}`;
}

/** The masked caller, or undefined when masking leaves no digit to recognise ("anonymous", short codes). */
function shownCaller(caller: string | undefined): string | undefined {
  const masked = maskNumber(caller?.trim());
  return /\d/.test(masked) ? masked : undefined;
}

/** Longest word-boundary prefix of `explanation` + "..." that makes the text fit; '' when not even one word does. */
function truncated(p: Parts, cut: Cut, explanation: string, fits: (text: string) => boolean): string {
  const words = explanation.split(' ');
  for (let n = words.length - 1; n > 0; n--) {
    const head = words.slice(0, n).join(' ').replace(/[\s,;:.!?-]+$/, '');
    const candidate = head + ELLIPSIS;
    if (fits(compose(p, cut, candidate))) return candidate;
  }
  return '';
}

export function renderAlertText(job: RenderSource, brand: AlertBrand, options: RenderOptions = {}): RenderedAlertText {
  const maxSegments = options.maxSegments ?? 2;
  if (!Number.isInteger(maxSegments) || maxSegments < 1) throw new RangeError(`maxSegments must be a positive integer, got ${maxSegments}`);
  const locale = resolveLocale(job.locale, options.defaultLocale);
  const parts: Parts = {
    locale,
    headline: locale.headline(brand.name.trim(), shownCaller(job.caller)),
    helpNumber: brand.helpNumber?.trim() || undefined,
    reply: `${toGsm7(locale.replyPrompt)} ${brand.replyKeyword.trim()}`,
  };
  const fits = (text: string): boolean => countSegments(text).segments <= maxSegments;

  // A character GSM-7 lacks in the analyzer's sentence (a name in Cyrillic, an emoji) turns the whole
  // text UCS-2 and halves the room: when the sentence does not fit as written, it goes GSM-7 forced.
  const explanation = explanationFor(job, locale);
  const explanations = [explanation];
  const forced = forceGsm7(explanation);
  if (forced !== toGsm7(explanation)) explanations.push(forced);
  for (const candidate of explanations) {
    for (const cut of CUTS) {
      const text = compose(parts, cut, candidate);
      if (fits(text)) return result(text, locale);
    }
  }
  const lastCut = CUTS[CUTS.length - 1]!;
  const shortened = truncated(parts, lastCut, explanations[explanations.length - 1]!, fits);
  // Over budget even with no explanation (a very long or non-GSM brand): sent anyway, a warning beats none.
  return result(compose(parts, lastCut, shortened), locale);
}

function result(text: string, locale: AlertLocale): RenderedAlertText {
  const { encoding, segments } = countSegments(text);
  return { text, encoding, segments, locale: locale.lang };
}

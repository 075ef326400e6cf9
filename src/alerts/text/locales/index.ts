/**
 * The languages alerts are written in, and how a subscriber's BCP 47 tag picks one: by primary
 * language subtag only, since the texts avoid regional wording ("es-MX" and "es-ES" both get es).
 */
import type { AlertLocale } from '../template.js';
import { de } from './de.js';
import { en } from './en.js';
import { es } from './es.js';
import { fr } from './fr.js';
import { it } from './it.js';
import { pt } from './pt.js';

const LOCALES: ReadonlyMap<string, AlertLocale> = new Map([en, es, fr, de, it, pt].map((l) => [l.lang, l]));

export const SUPPORTED_LOCALES: readonly string[] = [...LOCALES.keys()];

export const FALLBACK_LOCALE = 'en';

function lookup(tag: string | undefined): AlertLocale | undefined {
  // BCP 47 is case-insensitive; POSIX-style "pt_BR" shows up in provisioning data too.
  const primary = tag?.trim().toLowerCase().split(/[-_]/)[0];
  return primary ? LOCALES.get(primary) : undefined;
}

/** The subscriber's language if supported, else the default locale's, else English. */
export function resolveLocale(tag: string | undefined, defaultLocale: string = FALLBACK_LOCALE): AlertLocale {
  return lookup(tag) ?? lookup(defaultLocale) ?? en;
}

/**
 * Bulk import/export of subscribers as CSV. Import is forgiving about shape (optional header in any
 * column order, `,` or `;` as spreadsheets in comma-decimal locales write it, RFC 4180 quotes, blank
 * lines, `#` comments, a BOM, CRLF) and strict about content: every number must normalise exactly as
 * SIPREC roles do (E.164, or an identity with an `sms` number: state/provision.ts), or the subscriber
 * would never be recognised or never get the SMS. Errors name the line and
 * the problem, never the value: a CSV of phone numbers is personal data, and errors reach logs and
 * API responses.
 */
import { PROVISION_PROBLEMS, normaliseSubscriber } from './provision.js';
import type { Subscriber } from './types.js';

export interface ParsedSubscriber {
  /** E.164, or an identity (Subscriber.number). */
  number: string;
  locale?: string;
  /** E.164; present when `number` is not a phone number. */
  sms?: string;
}

export interface CsvLineError {
  /** 1-based physical line. */
  line: number;
  message: string;
}

export interface SubscriberCsvParseResult {
  subscribers: ParsedSubscriber[];
  errors: CsvLineError[];
}

export const SUBSCRIBER_CSV_HEADER = ['number', 'locale', 'provisioned_at', 'sms'] as const;

const BCP47 = /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/;

/** `line 7: not a phone number`, for logs and CLI output. */
export function formatCsvError(e: CsvLineError): string {
  return `line ${e.line}: ${e.message}`;
}

/**
 * Parses a subscriber list. Without a header the columns are `number[,locale[,sms]]`; with one (a first
 * line naming a `number` column) columns are found by name and others are ignored. The first
 * occurrence of a number wins; later ones are reported as duplicates.
 */
export function parseSubscriberCsv(text: string, defaultCountry: string): SubscriberCsvParseResult {
  const subscribers: ParsedSubscriber[] = [];
  const errors: CsvLineError[] = [];
  const firstLine = new Map<string, number>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  let delimiter: ',' | ';' | undefined;
  let columns: { number: number; locale: number; sms: number } | undefined;

  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const raw = lines[i]!;
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) continue;
    delimiter ??= detectDelimiter(raw);
    const fields = splitCsvLine(raw, delimiter);
    if (fields === undefined) {
      errors.push({ line, message: 'unterminated quoted field' });
      continue;
    }
    if (columns === undefined) {
      const names = fields.map((f) => f.trim().toLowerCase());
      if (names.includes('number')) {
        columns = { number: names.indexOf('number'), locale: names.indexOf('locale'), sms: names.indexOf('sms') };
        continue;
      }
      if (names.some((n) => (SUBSCRIBER_CSV_HEADER as readonly string[]).includes(n))) {
        // A header without a number column: every following line would be misread.
        errors.push({ line, message: 'header has no "number" column' });
        return { subscribers: [], errors };
      }
      columns = { number: 0, locale: 1, sms: 2 };
    }
    const numberField = (fields[columns.number] ?? '').trim();
    const localeField = columns.locale >= 0 ? (fields[columns.locale] ?? '').trim() : '';
    const smsField = columns.sms >= 0 ? (fields[columns.sms] ?? '').trim() : '';
    if (numberField === '') {
      errors.push({ line, message: 'missing phone number' });
      continue;
    }
    if (localeField !== '' && !BCP47.test(localeField)) {
      errors.push({ line, message: 'locale is not a BCP 47 language tag (e.g. en, es-MX)' });
      continue;
    }
    const n = normaliseSubscriber({ identity: numberField, ...(smsField !== '' ? { sms: smsField } : {}) }, defaultCountry);
    if (!n.ok) {
      errors.push({ line, message: PROVISION_PROBLEMS[n.problem] });
      continue;
    }
    const { number, sms } = n.value;
    const seen = firstLine.get(number);
    if (seen !== undefined) {
      errors.push({ line, message: `duplicate of line ${seen}` });
      continue;
    }
    firstLine.set(number, line);
    subscribers.push({ number, ...(localeField !== '' ? { locale: localeField } : {}), ...(sms !== undefined ? { sms } : {}) });
  }
  return { subscribers, errors };
}

/**
 * `number,locale,provisioned_at,sms` (ISO 8601), one subscriber per line, LF endings. E.164 numbers start
 * with `+`, which spreadsheets read as a formula prefix; `+` followed by digits only evaluates to the
 * number itself, so it is left as is rather than mangled with a quote that breaks re-import.
 */
export function formatSubscriberCsv(subscribers: readonly Subscriber[]): string {
  const rows = [SUBSCRIBER_CSV_HEADER.join(',')];
  for (const s of subscribers) {
    const at = new Date(s.provisionedAt);
    rows.push([s.number, s.locale ?? '', Number.isNaN(at.getTime()) ? '' : at.toISOString(), s.sms ?? ''].map(quoteField).join(','));
  }
  return rows.join('\n') + '\n';
}

/** The delimiter of the first content line: the more frequent of `,` and `;` outside quotes. */
function detectDelimiter(line: string): ',' | ';' {
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === ',') commas++;
    else if (!quoted && ch === ';') semicolons++;
  }
  return semicolons > commas ? ';' : ',';
}

/** RFC 4180 fields of one line (`""` escapes a quote); undefined when a quote is left open. */
function splitCsvLine(line: string, delimiter: string): string[] | undefined {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch !== '"') field += ch;
      else if (line[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (ch === '"' && field.trim() === '') {
      // Whitespace before an opening quote is padding, not content.
      field = '';
      quoted = true;
    } else if (ch === delimiter) {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  if (quoted) return undefined;
  fields.push(field);
  return fields;
}

function quoteField(value: string): string {
  return /[",;\r\n#]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

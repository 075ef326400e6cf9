/**
 * Content-Type / Content-Disposition value parsing (RFC 2045 §5.1, RFC 2183): a lowercased type and
 * its parameters. Parameter names are case-insensitive; values may be quoted strings with
 * backslash escapes. SBCs put spaces around `;` and `=` (Metaswitch `; boundary=`), so whitespace is
 * skipped wherever a token may start or end. Never throws.
 */

export interface HeaderValue {
  /** Lowercased type (`multipart/mixed`, `recording-session`), whitespace-trimmed. */
  type: string;
  /** Parameters by lowercased name; the first occurrence wins. */
  params: ReadonlyMap<string, string>;
}

const SEMI = 0x3b;
const EQ = 0x3d;
const DQUOTE = 0x22;
const BSLASH = 0x5c;

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

export function parseHeaderValue(value: string): HeaderValue {
  const params = new Map<string, string>();
  const len = value.length;
  let i = value.indexOf(';');
  const type = (i < 0 ? value : value.slice(0, i)).trim().toLowerCase();
  if (i < 0) return { type, params };
  while (i < len) {
    // skip separators and whitespace before a parameter name
    while (i < len && (value.charCodeAt(i) === SEMI || isWs(value.charCodeAt(i)))) i++;
    const nameStart = i;
    while (i < len && value.charCodeAt(i) !== EQ && value.charCodeAt(i) !== SEMI) i++;
    const name = value.slice(nameStart, i).trim().toLowerCase();
    if (i >= len || value.charCodeAt(i) === SEMI) {
      if (name && !params.has(name)) params.set(name, '');
      continue;
    }
    i++; // '='
    while (i < len && isWs(value.charCodeAt(i))) i++;
    let v: string;
    if (value.charCodeAt(i) === DQUOTE) {
      // quoted-string (RFC 2045 / RFC 822): ends at the next unescaped quote, or at end of input
      i++;
      let out = '';
      while (i < len && value.charCodeAt(i) !== DQUOTE) {
        if (value.charCodeAt(i) === BSLASH && i + 1 < len) i++;
        out += value[i];
        i++;
      }
      i++; // closing quote (or past the end)
      while (i < len && value.charCodeAt(i) !== SEMI) i++;
      v = out;
    } else {
      const start = i;
      while (i < len && value.charCodeAt(i) !== SEMI) i++;
      v = value.slice(start, i).trim();
    }
    if (name && !params.has(name)) params.set(name, v);
  }
  return { type, params };
}

/** The media type alone, lowercased (`application/rs-metadata+xml`). */
export function mediaTypeOf(contentType: string): string {
  const i = contentType.indexOf(';');
  return (i < 0 ? contentType : contentType.slice(0, i)).trim().toLowerCase();
}

/** RFC 7866 §9.1 uses `application/rs-metadata+xml`; Avaya, Metaswitch and SEMS send it without `+xml`. */
export function isMetadataType(mediaType: string): boolean {
  return mediaType === 'application/rs-metadata+xml' || mediaType === 'application/rs-metadata';
}

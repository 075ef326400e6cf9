/**
 * SIP address header values (RFC 3261 §20.10, §25.1 name-addr / addr-spec) as found in From, To,
 * P-Asserted-Identity and Cisco's X-Cisco-Recording-Participant: display name, URI and header
 * parameters. Without angle brackets, parameters after the URI belong to the header (§20.10),
 * which is how Cisco attaches `;media-index="0"`. Never throws.
 */
import { parseHeaderValue } from './content-type.js';

export interface HeaderAddress {
  display?: string;
  uri: string;
  /** Header parameters by lowercased name (`tag`, `media-index`), quotes removed. */
  params: ReadonlyMap<string, string>;
}

/** All addresses of a header value (comma-separated values, RFC 3261 §7.3.1). */
export function parseAddressList(value: string): HeaderAddress[] {
  const out: HeaderAddress[] = [];
  for (const piece of splitTopLevel(value)) {
    const a = parseAddress(piece);
    if (a !== undefined) out.push(a);
  }
  return out;
}

export function parseAddress(value: string): HeaderAddress | undefined {
  const v = value.trim();
  if (v.length === 0) return undefined;
  let display: string | undefined;
  let rest = v;
  if (rest.startsWith('"')) {
    let i = 1;
    let name = '';
    while (i < rest.length && rest[i] !== '"') {
      if (rest[i] === '\\' && i + 1 < rest.length) i++;
      name += rest[i];
      i++;
    }
    display = name.trim() || undefined;
    rest = rest.slice(i + 1).trim();
  }
  const lt = rest.indexOf('<');
  let uri: string;
  let paramText: string;
  if (lt >= 0) {
    if (display === undefined && lt > 0) display = rest.slice(0, lt).trim() || undefined;
    const gt = rest.indexOf('>', lt + 1);
    uri = rest.slice(lt + 1, gt < 0 ? rest.length : gt).trim();
    paramText = gt < 0 ? '' : rest.slice(gt + 1);
  } else {
    const semi = rest.indexOf(';');
    uri = (semi < 0 ? rest : rest.slice(0, semi)).trim();
    paramText = semi < 0 ? '' : rest.slice(semi);
  }
  if (uri.length === 0) return undefined;
  const params = paramText.trim().length > 0 ? parseHeaderValue(paramText).params : new Map<string, string>();
  const a: HeaderAddress = { uri, params };
  if (display !== undefined) a.display = display;
  return a;
}

/** Splits on commas outside quoted strings and angle brackets. */
function splitTopLevel(value: string): string[] {
  const out: string[] = [];
  let inQuote = false;
  let inAngle = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (inQuote) {
      if (c === '\\') i++;
      else if (c === '"') inQuote = false;
    } else if (c === '"') inQuote = true;
    else if (c === '<') inAngle = true;
    else if (c === '>') inAngle = false;
    else if (c === ',' && !inAngle) {
      out.push(value.slice(start, i));
      start = i + 1;
    }
  }
  out.push(value.slice(start));
  return out;
}

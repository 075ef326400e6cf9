/**
 * Loads the research captures in ../shared/fixtures/siprec (relative to the repo root) into what
 * the SIP adapter would hand the engine: a Content-Type, the raw body bytes and header lookups.
 *
 * Kinds (INDEX.md): "body" = multipart body only (boundary taken from its first delimiter line);
 * "sipp" = a request copied from a SIPp scenario CDATA: indented, with [keywords]; "full" = a
 * complete SIP request; "xml" = an rs-metadata document only.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type FixtureKind = 'body' | 'sipp' | 'full' | 'xml';

export interface LoadedFixture {
  name: string;
  kind: FixtureKind;
  contentType: string;
  body: Buffer;
  /** All values of a request header (case-insensitive); empty for body/xml kinds. */
  headers: (name: string) => string[];
  from?: string;
  to?: string;
  startLine?: string;
}

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const sharedFixturesDir = path.resolve(repoRoot, '../shared/fixtures/siprec');
export const ownFixturesDir = path.resolve(repoRoot, 'test/fixtures/siprec');

export function sharedFixturesAvailable(): boolean {
  return existsSync(path.join(sharedFixturesDir, 'INDEX.md'));
}

/** Names of the captures (`<name>.txt` that are not `.source.txt`). */
export function listSharedFixtures(): string[] {
  return readdirSync(sharedFixturesDir)
    .filter((f) => f.endsWith('.txt') && !f.endsWith('.source.txt'))
    .map((f) => f.slice(0, -4))
    .sort();
}

/** fixture name → kind, from INDEX.md's table (`cisco-cube-nbr-1/-2` rows name two files). */
export function indexKinds(): Map<string, FixtureKind> {
  const out = new Map<string, FixtureKind>();
  const text = readFileSync(path.join(sharedFixturesDir, 'INDEX.md'), 'utf8');
  for (const line of text.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const names = cells[1];
    const kind = cells[3];
    if (!names || !kind || !['body', 'sipp', 'full', 'xml'].includes(kind)) continue;
    const [first, ...more] = names.split('/');
    if (!first) continue;
    out.set(first, kind as FixtureKind);
    const stem = first.replace(/-\d+$/, '');
    for (const m of more) out.set(`${stem}${m}`, kind as FixtureKind);
  }
  return out;
}

/** Values SIPp would substitute; numbers in [field0 file=…] are plausible US subscribers. */
const SIPP_VALUES: Record<string, string> = {
  call_id: 'sipp-call-1@192.0.2.10',
  local_ip: '192.0.2.10',
  local_ip_type: '4',
  local_port: '5060',
  remote_ip: '192.0.2.20',
  remote_port: '5080',
  transport: 'UDP',
  branch: 'z9hG4bK-sipp-1',
  pid: '4242',
  call_number: '1',
  cseq: '1',
  peer_tag_param: ';tag=srs-1',
  media_ip: '192.0.2.10',
  media_ip_type: '4',
};
export const SIPP_MEDIA_PORT = 16000;
export const SIPP_FIELD_VALUES: Record<string, string> = {
  'tenant-users.csv': '2125550101',
  'callee.csv': '2125550102',
};

export function loadSharedFixture(name: string, kind: FixtureKind): LoadedFixture {
  const raw = readFileSync(path.join(sharedFixturesDir, `${name}.txt`));
  return loadFixtureBytes(name, kind, raw);
}

export function loadFixtureBytes(name: string, kind: FixtureKind, raw: Buffer): LoadedFixture {
  switch (kind) {
    case 'xml':
      return { name, kind, contentType: 'application/rs-metadata+xml', body: raw, headers: () => [] };
    case 'body': {
      const boundary = firstBoundary(raw.toString('latin1'));
      return { name, kind, contentType: `multipart/mixed;boundary=${boundary}`, body: raw, headers: () => [] };
    }
    case 'full':
      return fromRequest(name, kind, raw);
    case 'sipp':
      return fromRequest(name, kind, Buffer.from(sippToRequest(raw.toString('utf8')), 'utf8'));
  }
}

function firstBoundary(text: string): string {
  for (const line of text.split('\n')) {
    const t = line.replace(/\r$/, '').trimEnd();
    if (t.startsWith('--')) return t.slice(2);
  }
  throw new Error('no delimiter line in body fixture');
}

/**
 * SIPp message text → wire request: SIPp strips each line's leading whitespace, substitutes
 * keywords, sends CRLF line ends and computes [len] over the body.
 */
export function sippToRequest(text: string): string {
  const substituted = text
    .replace(/\[field(\d+)\s+file="([^"\]]*)"\]/g, (_m, _n: string, file: string) => SIPP_FIELD_VALUES[file] ?? '2125550199')
    .replace(/\[(auto_media_port|media_port)(?:\+(\d+))?\]/g, (_m, _k: string, plus: string | undefined) =>
      String(SIPP_MEDIA_PORT + (plus ? Number(plus) : 0)),
    )
    .replace(/\[([a-z_]+)\]/g, (m, k: string) => (k === 'len' ? m : (SIPP_VALUES[k] ?? m)));
  const lines = substituted.split('\n').map((l) => l.replace(/\r$/, '').replace(/^[ \t]+/, ''));
  while (lines.length > 0 && lines[0] === '') lines.shift();
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const blank = lines.indexOf('');
  const head = blank < 0 ? lines : lines.slice(0, blank);
  const bodyLines = blank < 0 ? [] : lines.slice(blank + 1);
  const body = bodyLines.length > 0 ? `${bodyLines.join('\r\n')}\r\n` : '';
  const headText = head.join('\r\n').replace('[len]', String(Buffer.byteLength(body, 'utf8')));
  return `${headText}\r\n\r\n${body}`;
}

function fromRequest(name: string, kind: FixtureKind, raw: Buffer): LoadedFixture {
  let sep = raw.indexOf('\r\n\r\n');
  let sepLen = 4;
  if (sep < 0) {
    sep = raw.indexOf('\n\n');
    sepLen = 2;
  }
  const headText = raw.toString('utf8', 0, sep < 0 ? raw.length : sep);
  const body = sep < 0 ? Buffer.alloc(0) : raw.subarray(sep + sepLen);
  const lines = headText.split(/\r?\n/);
  const startLine = lines.shift();
  const headers = new Map<string, string[]>();
  let last: string | undefined;
  for (const line of lines) {
    if (/^[ \t]/.test(line) && last) {
      const vals = headers.get(last);
      if (vals && vals.length > 0) vals[vals.length - 1] += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const list = headers.get(key) ?? [];
    list.push(line.slice(colon + 1).trim());
    headers.set(key, list);
    last = key;
  }
  const get = (n: string): string[] => headers.get(n.toLowerCase()) ?? [];
  const fx: LoadedFixture = { name, kind, contentType: get('content-type')[0] ?? '', body, headers: get };
  const from = get('from')[0];
  const to = get('to')[0];
  if (from !== undefined) fx.from = from;
  if (to !== undefined) fx.to = to;
  if (startLine !== undefined) fx.startLine = startLine;
  return fx;
}

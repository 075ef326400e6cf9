/**
 * rs-metadata (RFC 7865) → RecordingMetadata, for every dialect real SRCs send:
 *
 * - elements matched by LOCAL name, case-insensitively, whatever the prefix or namespace:
 *   `urn:ietf:params:xml:ns:recording:1` (RFC 7865), `urn:ietf:params:xml:ns:recording`
 *   (pre-RFC: Oracle/Acme, Metaswitch, Ribbon `tns:`), `urn:ietf:params:xml:ns:siprec` with root
 *   `<recording_metadata>` (draft: BroadWorks, Webex);
 * - ids from `participant_id`/`stream_id`/`session_id`/`group_id` (RFC 7865 §6) or the draft
 *   `id`/`session`/`group` attributes (Metaswitch mixes both in one document);
 * - stream associations from RFC `<participantstreamassoc>` `<send>`/`<recv>` (`<recv>` optional:
 *   drachtio issue #21), or the draft `<send>` inside `<participant>`, possibly as `<send><id>`;
 * - aor from `<nameID aor>` or the draft `<aor>` element; `<name>` with or without `xml:lang`;
 * - group id from `<group>` or the session's `<group-ref>`/`group` attribute;
 * - `<dataMode>`/`<datamode>` (complete|partial);
 * - vendor extensions ignored, except Acme `apkt:callingParty` (who placed the call).
 *
 * The document is screened first (xml-safety.ts: no DTD, no entities, bare `&` repaired) and
 * parsed by saxes without namespace processing (an undeclared vendor prefix must not fail the
 * parse). Parsing stops at the root's end tag, so trailing junk after the root is ignored.
 */
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { isE164, normaliseIdentity } from './numbers.js';
import { fail, guarded, ok } from './result.js';
import { screenXml } from './xml-safety.js';
import type { MetadataParticipant, MetadataStream, RecordingMetadata, Result, SiprecError } from './types.js';

export { mergeMetadata } from './metadata-merge.js';

/** rs-metadata is a few KiB; anything larger is not metadata we want to hold per call. */
export const MAX_METADATA_BYTES = 64 * 1024;

export interface MetadataOptions {
  /** ISO country for national numbers in aors (`US`). */
  defaultCountry: string;
}

interface Frame {
  /** Lowercased local name. */
  name: string;
  /** Attributes by lowercased local name (`xml:lang` → `lang`); namespace declarations kept as-is. */
  attrs: Record<string, string>;
  text: string;
  /** Set on <send>/<recv> that had <id> children (draft nested form). */
  sawId?: boolean;
}

interface ParticipantDraft {
  id: string;
  aor?: string;
  name?: string;
  send: string[];
  recv: string[];
  callingParty?: boolean;
}

/** Thrown from a saxes callback to stop parsing; never escapes parseMetadata. */
class Stop {
  constructor(readonly reason?: SiprecError) {}
}

export function parseMetadata(input: Buffer | string, opts: MetadataOptions): Result<RecordingMetadata, SiprecError> {
  return guarded('SIPREC_METADATA_MALFORMED', () => parseDocument(input, opts));
}

function parseDocument(input: Buffer | string, opts: MetadataOptions): Result<RecordingMetadata, SiprecError> {
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.length;
  if (size > MAX_METADATA_BYTES) {
    return fail('SIPREC_METADATA_TOO_LARGE', `rs-metadata is ${size} bytes (limit ${MAX_METADATA_BYTES})`, 413);
  }
  let text = typeof input === 'string' ? input : input.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  text = text.trimStart(); // a part body may start with a stray line break before the declaration
  if (text.length === 0) return fail('SIPREC_METADATA_MALFORMED', 'empty rs-metadata');
  const screened = screenXml(text);
  if (!screened.ok) return { ok: false, error: screened.error };

  const b = new MetadataBuilder(opts.defaultCountry);
  const parser = new SaxesParser({ xmlns: false, position: true });
  parser.on('opentag', (tag) => b.open(tag));
  parser.on('text', (t) => b.text(t));
  parser.on('cdata', (t) => b.text(t));
  parser.on('closetag', () => b.close());
  // Defence in depth: xml-safety already refused any `<!` declaration.
  parser.on('doctype', () => {
    throw new Stop(fail('SIPREC_METADATA_DTD_FORBIDDEN', 'DOCTYPE refused').error);
  });
  try {
    parser.write(screened.text);
    parser.close();
  } catch (e) {
    if (!(e instanceof Stop)) {
      // saxes reports well-formedness errors as plain Errors; a TypeError/RangeError is our bug
      // and goes to guarded() as an internal error rather than being blamed on the SRC.
      if (e instanceof TypeError || e instanceof RangeError || e instanceof ReferenceError) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      return fail('SIPREC_METADATA_MALFORMED', `invalid rs-metadata XML: ${msg}`);
    }
    if (e.reason) return { ok: false, error: e.reason };
  }
  return b.finish(screened.repairs);
}

const ROOT_NAMES = new Set(['recording', 'recording_metadata']);

class MetadataBuilder {
  private readonly stack: Frame[] = [];
  private namespace = '';
  private dataMode: 'complete' | 'partial' = 'complete';
  private recordingId: string | undefined;
  private groupId: string | undefined;
  private sessionId: string | undefined;
  private known = 0; // recognised root children: a root with none carries no metadata
  private participant: ParticipantDraft | undefined;
  private assoc: ParticipantDraft | undefined;
  private stream: MetadataStream | undefined;
  private readonly participants: ParticipantDraft[] = [];
  private readonly assocs: ParticipantDraft[] = [];
  private readonly streams: MetadataStream[] = [];
  private rootClosed = false;

  constructor(private readonly defaultCountry: string) {}

  open(tag: SaxesTagPlain): void {
    const frame: Frame = { name: localName(tag.name), attrs: normaliseAttrs(tag.attributes), text: '' };
    const depth = this.stack.length; // depth of the new element's parent chain
    this.stack.push(frame);
    if (depth === 0) {
      if (!ROOT_NAMES.has(frame.name)) {
        throw new Stop(fail('SIPREC_METADATA_MALFORMED', `root element <${tag.name}> is not a recording`).error);
      }
      const colon = tag.name.indexOf(':');
      const prefix = colon < 0 ? '' : tag.name.slice(0, colon);
      this.namespace = tag.attributes[prefix ? `xmlns:${prefix}` : 'xmlns'] ?? '';
      // Metaswitch: <recording id="…" xmlns="urn:ietf:params:xml:ns:recording">
      if (frame.name === 'recording') this.recordingId = nonEmpty(frame.attrs['id']);
      return;
    }
    if (depth !== 1) return;
    switch (frame.name) {
      case 'participant':
        this.participant = { id: frame.attrs['participant_id'] ?? frame.attrs['id'] ?? '', send: [], recv: [] };
        break;
      case 'participantstreamassoc':
        this.assoc = { id: frame.attrs['participant_id'] ?? frame.attrs['id'] ?? '', send: [], recv: [] };
        break;
      case 'stream': {
        const s: MetadataStream = { id: frame.attrs['stream_id'] ?? frame.attrs['id'] ?? '' };
        const session = frame.attrs['session_id'] ?? frame.attrs['session'];
        if (session !== undefined) s.sessionId = session;
        this.stream = s;
        break;
      }
    }
  }

  text(t: string): void {
    const top = this.stack[this.stack.length - 1];
    if (top !== undefined) top.text += t;
  }

  close(): void {
    const f = this.stack.pop();
    if (f === undefined) return;
    const depth = this.stack.length; // 0: f was the root; 1: f was a root child
    if (depth === 0) {
      // Schema: <recording> has element-only content. Character data directly under the root
      // means a damaged document (broadworks-1: every tag stripped, the text left behind).
      if (f.text.trim().length > 0) {
        throw new Stop(fail('SIPREC_METADATA_MALFORMED', 'character data directly under the root (damaged document)').error);
      }
      this.rootClosed = true;
      throw new Stop(); // ignore whatever trails the root
    }
    const parent = this.stack[depth - 1];
    if (parent === undefined) return;
    if (depth === 1) {
      this.closeRootChild(f);
      return;
    }
    const value = f.text.trim();
    switch (f.name) {
      case 'nameid':
        if (parent.name === 'participant' && this.participant) this.participant.aor ??= nonEmpty(f.attrs['aor']?.trim());
        break;
      case 'aor':
        if (parent.name === 'participant' && this.participant) this.participant.aor ??= nonEmpty(value);
        break;
      case 'name':
        if ((parent.name === 'nameid' || parent.name === 'participant') && this.participant) {
          this.participant.name ??= cleanName(value);
        }
        break;
      case 'send':
      case 'recv': {
        const target = parent.name === 'participant' ? this.participant : parent.name === 'participantstreamassoc' ? this.assoc : undefined;
        if (target && !f.sawId && value) pushUnique(f.name === 'send' ? target.send : target.recv, value);
        break;
      }
      case 'id': {
        // draft nested form: <send><id>…</id></send>
        if (parent.name !== 'send' && parent.name !== 'recv') break;
        parent.sawId = true;
        const grand = this.stack[depth - 2];
        const target = grand?.name === 'participant' ? this.participant : grand?.name === 'participantstreamassoc' ? this.assoc : undefined;
        if (target && value) pushUnique(parent.name === 'send' ? target.send : target.recv, value);
        break;
      }
      case 'callingparty':
        // Acme/Oracle: <participant><extensiondata xmlns:apkt=…><apkt:callingParty>true|false
        if (parent.name === 'extensiondata' && this.stack[depth - 2]?.name === 'participant' && this.participant) {
          const v = value.toLowerCase();
          if (v === 'true' || v === 'false') this.participant.callingParty = v === 'true';
        }
        break;
      case 'label':
        if (parent.name === 'stream' && this.stream) this.stream.label ??= nonEmpty(value);
        break;
      case 'mode':
        if (parent.name === 'stream' && this.stream) {
          const m = value.toLowerCase();
          if (m === 'mixed' || m === 'separate') this.stream.mode = m;
        }
        break;
      case 'group-ref':
        if (parent.name === 'session') this.groupId ??= nonEmpty(value);
        break;
    }
  }

  private closeRootChild(f: Frame): void {
    switch (f.name) {
      case 'datamode':
        this.known++;
        if (f.text.trim().toLowerCase() === 'partial') this.dataMode = 'partial';
        break;
      case 'recording': // draft: <recording_metadata><recording id=…>
        this.known++;
        this.recordingId ??= nonEmpty(f.attrs['id']);
        break;
      case 'group':
        this.known++;
        this.groupId ??= nonEmpty(f.attrs['group_id'] ?? f.attrs['id']);
        break;
      case 'session':
        this.known++;
        this.sessionId ??= nonEmpty(f.attrs['session_id'] ?? f.attrs['id']);
        // draft: <session id=… group=…>
        this.groupId ??= nonEmpty(f.attrs['group'] ?? f.attrs['group_id']);
        break;
      case 'participant':
        this.known++;
        if (this.participant) {
          // No id attribute: nothing can refer to it, but it must not merge with another id-less one.
          if (this.participant.id === '') this.participant.id = `anonymous-${this.participants.length}`;
          this.participants.push(this.participant);
        }
        this.participant = undefined;
        break;
      case 'participantstreamassoc':
        this.known++;
        if (this.assoc) this.assocs.push(this.assoc);
        this.assoc = undefined;
        break;
      case 'stream':
        this.known++;
        if (this.stream) this.streams.push(this.stream);
        this.stream = undefined;
        break;
      case 'participantsessionassoc':
      case 'sessionrecordingassoc':
        this.known++;
        break;
    }
  }

  finish(repairs: string[]): Result<RecordingMetadata, SiprecError> {
    if (!this.rootClosed) return fail('SIPREC_METADATA_MALFORMED', 'rs-metadata root element not closed');
    if (this.known === 0) return fail('SIPREC_METADATA_MALFORMED', 'rs-metadata carries no recording elements');
    const byId = new Map<string, ParticipantDraft>();
    const order: ParticipantDraft[] = [];
    const add = (p: ParticipantDraft): void => {
      const prev = byId.get(p.id);
      if (prev === undefined) {
        byId.set(p.id, p);
        order.push(p);
        return;
      }
      prev.aor ??= p.aor;
      prev.name ??= p.name;
      prev.callingParty ??= p.callingParty;
      for (const s of p.send) pushUnique(prev.send, s);
      for (const s of p.recv) pushUnique(prev.recv, s);
    };
    for (const p of this.participants) add(p);
    // participantstreamassoc may precede or follow its participant, or (partial update) refer to
    // a participant sent in an earlier document.
    for (const a of this.assocs) add(a);
    const participants: MetadataParticipant[] = order.map((p) => {
      const out: MetadataParticipant = { id: p.id, send: p.send, recv: p.recv };
      if (p.aor !== undefined) {
        out.aor = p.aor;
        const key = normaliseIdentity(p.aor, this.defaultCountry);
        if (key !== undefined && isE164(key)) out.e164 = key;
        else if (key !== undefined) out.identity = key;
      }
      if (p.name !== undefined) out.name = p.name;
      if (p.callingParty !== undefined) out.callingParty = p.callingParty;
      return out;
    });
    const md: RecordingMetadata = {
      dataMode: this.dataMode,
      namespace: this.namespace,
      participants,
      streams: this.streams,
    };
    if (this.recordingId !== undefined) md.recordingId = this.recordingId;
    if (this.groupId !== undefined) md.groupId = this.groupId;
    if (this.sessionId !== undefined) md.sessionId = this.sessionId;
    if (repairs.length > 0) md.repairs = repairs;
    return ok(md);
  }
}

function localName(qname: string): string {
  const colon = qname.indexOf(':');
  return (colon < 0 ? qname : qname.slice(colon + 1)).toLowerCase();
}

function normaliseAttrs(attrs: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const name in attrs) {
    const v = attrs[name];
    if (v === undefined) continue;
    const key = name.startsWith('xmlns') ? name : localName(name);
    out[key] ??= v;
  }
  return out;
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s.length === 0 ? undefined : s;
}

function pushUnique(list: string[], v: string): void {
  if (!list.includes(v)) list.push(v);
}

/**
 * Display names as SRCs send them: Oracle/Acme keeps the SIP quotes (`"ECG Tester"`), Connectel
 * appends SIP parameters (`test_user;lang=en-US;id=22`). Both are stripped for display.
 */
function cleanName(raw: string): string | undefined {
  let n = raw;
  const lang = n.search(/;lang=/i);
  if (lang >= 0) n = n.slice(0, lang);
  n = n.trim();
  if (n.length >= 2 && n.startsWith('"') && n.endsWith('"')) n = n.slice(1, -1).trim();
  return n.length > 0 ? n : undefined;
}

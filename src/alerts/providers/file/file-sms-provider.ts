/**
 * SmsProvider that appends each SMS as one JSON line to a file: the development default
 * (`CALLGUARD_SMS=file:./var/sms.jsonl`), and what e2e tests read back.
 *
 * One `appendFile` per message, the whole line in one write: the file is opened O_APPEND, so lines
 * from concurrent sends (or several processes) land whole, one after another, never interleaved.
 * The file is a message sink, not a log: it holds full numbers and text by design, so keep it out of
 * shipped logs.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import { maskNumber, silentLogger } from '../../../log.js';
import { SmsError, type SmsMessage, type SmsProvider, type SmsSendResult } from '../../types.js';
import { splitForSms, type SmsEncoding } from '../../sms/index.js';

export interface FileSmsProviderOptions {
  path: string;
  logger?: Logger;
}

/** One line of the file. */
export interface FileSmsRecord {
  sentAt: string;
  to: string;
  from: string;
  text: string;
  callId: string;
  reference: string;
  segments: number;
  encoding: SmsEncoding;
  messageId: string;
}

// Errors that retrying cannot fix: the path itself is wrong or forbidden. (A recursive mkdir only
// reports EEXIST when the parent exists as something other than a directory.)
const PERMANENT = new Set(['EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'EEXIST', 'EROFS', 'ENAMETOOLONG']);

export class FileSmsProvider implements SmsProvider {
  readonly name = 'file' as const;
  readonly path: string;
  private readonly log: Logger;
  private dirReady: Promise<unknown> | undefined;
  private closed = false;

  constructor(opts: FileSmsProviderOptions) {
    if (!opts.path) throw new Error('file sms provider: path is required');
    this.path = resolve(opts.path);
    this.log = (opts.logger ?? silentLogger()).child({ component: 'sms', provider: 'file' });
  }

  async send(message: SmsMessage, signal?: AbortSignal): Promise<SmsSendResult> {
    if (this.closed) throw new SmsError('file sms provider is closed', true, 'FILE_CLOSED');
    if (signal?.aborted) throw new SmsError('send aborted', true, 'ABORTED');
    const { encoding, parts } = splitForSms(message.text);
    const messageId = `file-${message.reference}`;
    const record: FileSmsRecord = {
      sentAt: new Date().toISOString(),
      to: message.to,
      from: message.from,
      text: message.text,
      callId: message.callId,
      reference: message.reference,
      segments: parts.length,
      encoding,
      messageId,
    };
    try {
      this.dirReady ??= mkdir(dirname(this.path), { recursive: true }).catch((err: unknown) => {
        this.dirReady = undefined; // let the next send try again
        throw err;
      });
      await this.dirReady;
      await appendFile(this.path, `${JSON.stringify(record)}\n`, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
      this.log.warn({ to: maskNumber(message.to), reference: message.reference, code }, 'file sms write failed');
      throw new SmsError(`could not append to the SMS file: ${code}`, !PERMANENT.has(code), `FILE_${code}`);
    }
    this.log.info({ to: maskNumber(message.to), reference: message.reference, callId: message.callId, segments: parts.length }, 'file sms written');
    return { messageIds: [messageId], segments: parts.length };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/**
 * SmsProvider for demos: prints one line per SMS to stdout, recipient masked, text JSON-quoted so a
 * multi-line SMS stays on one line. Not for production: the text is printed on purpose.
 */
import { maskNumber } from '../../../log.js';
import { SmsError, type SmsMessage, type SmsProvider, type SmsSendResult } from '../../types.js';
import { segmentCount } from '../../sms/index.js';

export interface ConsoleSmsProviderOptions {
  /** Where lines go. Default process.stdout. */
  stream?: NodeJS.WritableStream;
}

export class ConsoleSmsProvider implements SmsProvider {
  readonly name = 'console' as const;
  private readonly stream: NodeJS.WritableStream;
  private closed = false;

  constructor(opts: ConsoleSmsProviderOptions = {}) {
    this.stream = opts.stream ?? process.stdout;
  }

  async send(message: SmsMessage, signal?: AbortSignal): Promise<SmsSendResult> {
    if (this.closed) throw new SmsError('console sms provider is closed', true, 'CONSOLE_CLOSED');
    if (signal?.aborted) throw new SmsError('send aborted', true, 'ABORTED');
    const segments = segmentCount(message.text);
    this.stream.write(
      `[sms] to=${maskNumber(message.to)} from=${message.from} ref=${message.reference} segments=${segments} text=${JSON.stringify(message.text)}\n`,
    );
    return { messageIds: [`console-${message.reference}`], segments };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

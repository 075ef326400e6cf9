/**
 * The Azure recognizer factory: validates the options once, starts one AzureRecognizer per stream
 * and closes whatever is still running when the node shuts down.
 */
import type { Recognizer, RecognizerFactory, RecognizerStartOptions } from '../types.js';
import { AzureRecognizer } from './azure-recognizer.js';
import { describeLocation, resolveAzureSpeechOptions, type AzureSpeechOptions, type ResolvedAzureSpeechOptions } from './azure-speech-config.js';
import { AzureRecognitionError } from './azure-speech-errors.js';

export class AzureRecognizerFactory implements RecognizerFactory {
  readonly name = 'azure' as const;
  private readonly opts: ResolvedAzureSpeechOptions;
  private readonly live = new Set<Recognizer>();
  private closing: Promise<void> | undefined;

  /** Throws AzureSpeechConfigError when the options are unusable. */
  constructor(options: AzureSpeechOptions) {
    this.opts = resolveAzureSpeechOptions(options);
    this.opts.logger.info(
      { component: 'azure-speech', location: describeLocation(this.opts.location), auth: this.opts.credential.kind },
      'azure speech configured',
    );
  }

  async start(opts: RecognizerStartOptions): Promise<Recognizer> {
    if (this.closing) throw new AzureRecognitionError('AZURE_SPEECH_START_FAILED', 'recognizer factory is closed');
    // Forgotten once closed, so a long-running node does not keep dead recognizers.
    const r = await AzureRecognizer.start(
      this.opts,
      { ...opts, language: opts.language || this.opts.language },
      { onClosed: (closed) => this.live.delete(closed) },
    );
    if (this.closing) {
      await r.close();
      throw new AzureRecognitionError('AZURE_SPEECH_START_FAILED', 'recognizer factory is closed');
    }
    this.live.add(r);
    return r;
  }

  /** Closes every recognizer still running. Idempotent. */
  close(): Promise<void> {
    this.closing ??= Promise.allSettled([...this.live].map((r) => r.close())).then(() => undefined);
    return this.closing;
  }
}

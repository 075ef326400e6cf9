/**
 * Errors of the Azure Speech adapter, each with a stable `code`. Messages never carry the key, a
 * token, a URL with a key in it, audio or transcript text.
 */

export type AzureSpeechConfigErrorCode =
  | 'AZURE_SPEECH_NO_CREDENTIALS'
  | 'AZURE_SPEECH_TWO_CREDENTIALS'
  | 'AZURE_SPEECH_NO_LOCATION'
  | 'AZURE_SPEECH_TWO_LOCATIONS'
  | 'AZURE_SPEECH_BAD_ENDPOINT'
  | 'AZURE_SPEECH_BAD_REGION'
  | 'AZURE_SPEECH_BAD_LANGUAGE'
  | 'AZURE_SPEECH_BAD_OPTION';

/** The adapter's options are unusable. Thrown at construction, before any connection. */
export class AzureSpeechConfigError extends Error {
  override readonly name = 'AzureSpeechConfigError';
  constructor(
    readonly code: AzureSpeechConfigErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export type AzureRecognitionErrorCode =
  /** The service refused the credentials or the request (not retried). */
  | 'AZURE_SPEECH_REFUSED'
  /** The connection kept failing after the bounded reconnect attempts. */
  | 'AZURE_SPEECH_RECONNECT_EXHAUSTED'
  /** start() did not see the service connect, or it failed before connecting. */
  | 'AZURE_SPEECH_START_FAILED';

/** Recognition of a stream ended for good; the call goes on untranscribed. */
export class AzureRecognitionError extends Error {
  override readonly name = 'AzureRecognitionError';
  constructor(
    readonly code: AzureRecognitionErrorCode,
    message: string,
    /** The SDK's CancellationErrorCode name, e.g. ConnectionFailure. */
    readonly sdkErrorCode?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Why the alert queue refused a call. Messages never carry a number or alert text. */
export type AlertQueueErrorCode =
  /** enqueue() after close() began. */
  | 'ALERT_QUEUE_CLOSED'
  /** The job cannot be queued as given (an id BullMQ would reject, e.g. containing ':'). */
  | 'ALERT_QUEUE_BAD_JOB';

export class AlertQueueError extends Error {
  override readonly name = 'AlertQueueError';

  constructor(
    readonly code: AlertQueueErrorCode,
    message: string,
    opts: { cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
  }
}

/**
 * The node the spoken evaluation plays its calls into: a real callguard node started in this process
 * from the operator's configuration (CALLGUARD_SPEECH and CALLGUARD_ANALYZER as they are), made
 * private: loopback only, free ports, in-memory state (never the operator's Redis), no subscribers but
 * the evaluation's own, a rate limit no evaluation reaches, and SMS taken in-process by a provider
 * that records when each was handed over.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { startNode } from '../../app.js';
import { loadConfig, type Config, type Env } from '../../config/index.js';
import type { Logger } from '../../log.js';
import type { SmsMessage, SmsProvider, SmsSendResult } from '../../alerts/types.js';
import { selectRecognizerFactory } from '../../speech/select.js';
import { SpokenEvalError, type CapturedSms, type EvalTarget, type RaisedAlert } from './types.js';

/**
 * Keeps every SMS in memory with the monotonic time it was sent. Named `console` because it is a
 * development sink of that kind: nothing leaves the process.
 */
export class CapturingSmsProvider implements SmsProvider {
  readonly name = 'console' as const;
  private readonly byNumber = new Map<string, CapturedSms[]>();

  async send(message: SmsMessage): Promise<SmsSendResult> {
    const sms: CapturedSms = { to: message.to, callId: message.callId, at: performance.now(), text: message.text };
    const list = this.byNumber.get(message.to) ?? [];
    list.push(sms);
    this.byNumber.set(message.to, list);
    return { messageIds: [`eval-${message.reference}`], segments: 1 };
  }

  sentTo(number: string): CapturedSms[] {
    return [...(this.byNumber.get(number) ?? [])];
  }

  async close(): Promise<void> {}
}

/** The operator's environment with what makes the node private to this evaluation. */
export function evalNodeEnv(env: Env, opts: { concurrency: number; analyzer?: string }): Env {
  const speechMax = Number(env.CALLGUARD_SPEECH_MAX ?? 100);
  return {
    ...env,
    ...(opts.analyzer ? { CALLGUARD_ANALYZER: opts.analyzer } : {}),
    CALLGUARD_NODE_ID: `eval-${process.pid}`,
    CALLGUARD_SIP_STACK: 'native',
    CALLGUARD_SIP_HOST: '127.0.0.1',
    CALLGUARD_SIP_PORT: '0',
    CALLGUARD_SIP_TRANSPORTS: 'udp',
    CALLGUARD_SIP_TLS_PORT: '0',
    CALLGUARD_SIP_ADVERTISED_HOST: '',
    CALLGUARD_SRC_ALLOW: '127.0.0.0/8',
    CALLGUARD_HTTP_HOST: '127.0.0.1',
    CALLGUARD_HTTP_PORT: '0',
    CALLGUARD_RTP_HOST: '127.0.0.1',
    CALLGUARD_MEDIA_ADDRESS: '',
    CALLGUARD_SUBSCRIBERS: '',
    REDIS_URL: '',
    // Replaced by the capturing provider; a value that needs no other settings to validate.
    CALLGUARD_SMS: 'console',
    CALLGUARD_ALERT_MAX_PER_HOUR: '1000000',
    // The evaluator paces its own calls; a loaded machine (decoders, TTS) must not turn one into a 503
    // and an error in the report.
    CALLGUARD_SIP_OVERLOAD_LAG_MS: '0',
    // Two recognizers per call: a lower limit would leave calls untranscribed and count them as misses.
    CALLGUARD_SPEECH_MAX: String(Math.max(Number.isFinite(speechMax) ? speechMax : 0, 2 * opts.concurrency)),
    // The ops API is of no use here: on, with a token nobody is told, so nothing is open and nothing printed.
    CALLGUARD_AUTH: 'on',
    CALLGUARD_API_TOKENS: `admin:${randomBytes(24).toString('base64url')}`,
  };
}

export async function startEvalNode(config: Config, logger: Logger): Promise<EvalTarget> {
  const speech = selectRecognizerFactory(config, logger);
  if (!speech) {
    throw new SpokenEvalError(
      'EVAL_NO_RECOGNIZER',
      config.speech.engine === 'none'
        ? 'CALLGUARD_SPEECH=none: a spoken evaluation needs a recognizer (offline or azure)'
        : 'no recognizer: CALLGUARD_SPEECH=offline needs pocketsphinx (Debian packages pocketsphinx pocketsphinx-en-us)',
    );
  }
  const sms = new CapturingSmsProvider();
  const node = await startNode(config, logger, { speech, sms, processMetrics: false }).catch(async (err: unknown) => {
    await speech.close();
    throw err;
  });
  const port = node.addresses.sipUdp;
  if (port === undefined) {
    await node.close();
    throw new SpokenEvalError('EVAL_NODE', 'the evaluation node has no SIP UDP port', 1);
  }
  return {
    sip: { host: '127.0.0.1', port },
    recognizer: speech.name,
    analyzer: config.analysis.analyzer,
    provision: async (number) => {
      await node.subscribers.put({ number, provisionedAt: Date.now() });
    },
    smsTo: (number) => sms.sentTo(number),
    alertFor: (number): RaisedAlert | undefined => {
      const alert = node.engine.alerts.toArray().find((a) => a.subscriber === number);
      return alert && { category: alert.category, level: alert.level, score: alert.score, explanation: alert.explanation };
    },
    close: () => node.close(),
  };
}

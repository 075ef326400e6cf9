/**
 * Assembles one callguard node from a Config: picks the adapters (native SIP, in-memory state, UDP
 * port pool, the recognizer CALLGUARD_SPEECH names, the analyzer CALLGUARD_ANALYZER names), starts
 * them in order and closes them in reverse (as sipgo's UA does).
 */
import type { FastifyInstance } from 'fastify';
import { cidrMatcher, type Config } from './config.js';
import { Engine } from './engine.js';
import type { Logger } from './log.js';
import { UdpPortPool } from './media/udp-port-pool.js';
import { buildOpsServer } from './ops/server.js';
import { NativeSessionServer } from './sip/native/native-session-server.js';
import { MemorySubscriberStore } from './state/memory/memory-subscriber-store.js';
import { selectAnalyzer } from './analysis/select.js';
import type { Analyzer } from './analysis/types.js';
import { selectRecognizerFactory } from './speech/select.js';
import type { RecognizerFactory } from './speech/types.js';
import type { SubscriberStore } from './state/types.js';
import { AlertService, alertSender } from './alerts/alert-service.js';
import { selectSmsProvider } from './alerts/providers/index.js';
import { createAlertQueue } from './alerts/queue/index.js';
import type { AlertQueue, SmsProvider } from './alerts/types.js';

export interface RunningNode {
  engine: Engine;
  alerts: AlertService;
  alertQueue: AlertQueue;
  sms: SmsProvider;
  sip: NativeSessionServer;
  ops: FastifyInstance;
  subscribers: SubscriberStore;
  /** Bound addresses (ports resolved when 0 was configured). */
  addresses: { sipUdp?: number; sipTcp?: number; http: number };
  close(): Promise<void>;
}

/** Adapters a caller may supply instead of the defaults (tests, embedding). */
export interface NodeOverrides {
  subscribers?: SubscriberStore;
  /** A recognizer factory instead of the one CALLGUARD_SPEECH selects. */
  speech?: RecognizerFactory;
  /** An analyzer instead of the one CALLGUARD_ANALYZER selects. */
  analyzer?: Analyzer;
  /** An SMS provider instead of the one CALLGUARD_SMS selects. */
  sms?: SmsProvider;
}

export async function startNode(config: Config, logger: Logger, overrides: NodeOverrides = {}): Promise<RunningNode> {
  const subscribers = overrides.subscribers ?? new MemorySubscriberStore();
  const at = Date.now();
  for (const number of config.subscribers) await subscribers.put({ number, provisionedAt: at });

  const ports = new UdpPortPool({
    host: config.rtp.host,
    min: config.rtp.ports.min,
    max: config.rtp.ports.max,
    // Answers use pre-bound ports: ~40 pairs cover a burst of 20 two-stream INVITEs.
    prebound: Math.min(40, Math.floor((config.rtp.ports.max - config.rtp.ports.min) / 8)),
    logger: logger.child({ mod: 'media' }),
  });
  await ports.warm();
  const sip = new NativeSessionServer({
    host: config.sip.host,
    port: config.sip.port,
    transports: config.sip.transports,
    logger: logger.child({ mod: 'sip' }),
    allowSource: cidrMatcher(config.sip.srcAllow),
    timers: { t1: config.sip.t1 },
    minSE: config.sip.minSE,
    defaultSessionExpires: config.sip.sessionExpires,
    maxPendingOffers: config.sip.maxPendingOffers,
    maxDialogs: config.sip.maxCalls,
    userAgent: 'callguard',
  });
  const speech = overrides.speech ?? selectRecognizerFactory(config, logger);
  const analyzer = overrides.analyzer ?? selectAnalyzer(config, logger);
  const engine = new Engine({ config, sip, subscribers, ports, logger, analyzer, ...(speech ? { speech } : {}) });

  const a = config.alerts;
  const sms =
    overrides.sms ??
    selectSmsProvider(
      a.sms,
      {
        smpp: { url: a.smpp.url, systemId: a.smpp.systemId, password: a.smpp.password, systemType: a.smpp.systemType, enquireLinkMs: a.smpp.enquireLinkMs },
        acs: { connectionString: a.acs.connectionString },
        http: { url: a.http.url, secret: a.http.secret },
      },
      logger.child({ mod: 'sms' }),
    );
  // An SMSC that is down at start-up must not stop the node: the provider keeps re-binding and the queue
  // retries sends meanwhile.
  await sms.start?.();
  const alertQueue = createAlertQueue({
    ...(config.redisUrl ? { redisUrl: config.redisUrl } : {}),
    sender: alertSender(sms, { brand: a.brand, defaultLocale: a.defaultLocale }),
    logger: logger.child({ mod: 'alert-queue' }),
    nodeId: config.nodeId,
    maxPerHour: a.maxPerHour,
    attempts: a.attempts,
    backoffMs: a.backoffMs,
    dedupTtlMs: a.dedupTtlMs,
    ...(a.numberHashSecret ? { numberHashSecret: a.numberHashSecret } : {}),
  });
  const alerts = new AlertService(
    alertQueue,
    subscribers,
    { brand: a.brand, defaultLocale: a.defaultLocale, nodeId: config.nodeId, defaultCountry: config.defaultCountry, logger },
    sms,
  );
  engine.onAlert = (alert) => alerts.raise(alert);
  let listening = false;
  let closing = false;
  const ops = buildOpsServer({
    calls: engine,
    alerts: { queue: alertQueue, service: alerts },
    subscribers,
    defaultCountry: config.defaultCountry,
    nodeId: config.nodeId,
    logger,
    ready: () =>
      closing ? { ready: false, reason: 'shutting down' } : listening ? { ready: true } : { ready: false, reason: 'SIP not listening' },
  });

  await sip.listen(engine);
  listening = true;
  await ops.listen({ host: config.http.host, port: config.http.port });
  const httpAddr = ops.server.address();
  const sipAddr = sip.address();

  let closed: Promise<void> | undefined;
  return {
    engine,
    alerts,
    alertQueue,
    sms,
    sip,
    ops,
    subscribers,
    addresses: {
      ...(sipAddr.udp !== undefined ? { sipUdp: sipAddr.udp } : {}),
      ...(sipAddr.tcp !== undefined ? { sipTcp: sipAddr.tcp } : {}),
      http: typeof httpAddr === 'object' && httpAddr ? httpAddr.port : config.http.port,
    },
    close() {
      closed ??= (async () => {
        closing = true;
        await engine.close();
        // Alerts raised by the last calls reach the queue, in-flight sends finish (BullMQ keeps the rest
        // queued for another node), then the SMSC session is unbound.
        await alerts.settle();
        await alertQueue.close(config.shutdownGraceMs);
        await sms.close();
        await speech?.close();
        await analyzer.close?.();
        await ops.close();
        await subscribers.close();
      })();
      return closed;
    },
  };
}

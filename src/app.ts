/**
 * Assembles one callguard node from a Config: picks the adapters (native SIP, in-memory state, UDP
 * port pool, the recognizer CALLGUARD_SPEECH names, the analyzer CALLGUARD_ANALYZER names), starts
 * them in order and closes them in reverse (as sipgo's UA does).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { redactedConfig, type Config } from './config/index.js';
import { Engine } from './engine/index.js';
import type { Logger } from './log.js';
import { createRtpPortPool } from './media/port-pool.js';
import { buildOpsServer } from './ops/server.js';
import { createSessionServer, type SipStack } from './sip/select.js';
import { createStateStore } from './state/select.js';
import type { StateStore } from './state/types.js';
import { CallPublisher, refreshIntervalMs } from './cluster/call-publisher.js';
import { ClusterCallDirectory } from './cluster/cluster-call-directory.js';
import { createMetrics, type MetricsLlm } from './metrics/index.js';
import { registerDashboard } from './ops/dashboard/dashboard-routes.js';
import { registerEventRoutes } from './ops/event-routes.js';
import type { AuthOptions } from './ops/auth.js';
import { selectAnalyzer } from './analysis/select.js';
import type { Analyzer } from './analysis/types.js';
import { selectRecognizerFactory } from './speech/select.js';
import type { RecognizerFactory } from './speech/types.js';
import type { SubscriberStore } from './state/types.js';
import { AlertService, alertSender } from './alerts/alert-service.js';
import { selectSmsProvider } from './alerts/providers/index.js';
import { createAlertQueue } from './alerts/queue/index.js';
import type { AlertQueue, SmsProvider } from './alerts/types.js';
import { provision } from './state/provision.js';

export interface RunningNode {
  engine: Engine;
  store: StateStore;
  /** The admin token generated for this run when auth is on and no token was configured. */
  adminToken?: string;
  alerts: AlertService;
  alertQueue: AlertQueue;
  sms: SmsProvider;
  sip: SipStack;
  ops: FastifyInstance;
  subscribers: SubscriberStore;
  /** Bound addresses (ports resolved when 0 was configured). */
  addresses: { sipUdp?: number; sipTcp?: number; sipTls?: number; http: number };
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
  /**
   * prom-client's process metrics (GC, event-loop lag) start observers that cannot be stopped: tests
   * running many nodes in one process turn them off. Default on.
   */
  processMetrics?: boolean;
}

export async function startNode(config: Config, logger: Logger, overrides: NodeOverrides = {}): Promise<RunningNode> {
  const store = createStateStore({ ...(config.redisUrl ? { redisUrl: config.redisUrl } : {}), logger });
  await store.ready();
  const subscribers = overrides.subscribers ?? store;
  const at = Date.now();
  for (const s of config.subscribers) await provision(subscribers, s, await subscribers.get(s.number), at);

  const ports = createRtpPortPool({
    workers: config.media.workers,
    host: config.rtp.host,
    min: config.rtp.ports.min,
    max: config.rtp.ports.max,
    // Answers use pre-bound ports: ~40 pairs cover a burst of 20 two-stream INVITEs.
    prebound: Math.min(40, Math.floor((config.rtp.ports.max - config.rtp.ports.min) / 8)),
    // Released pairs stay bound and rest 500 ms before reuse: a quarter of the range, at most 1,024
    // pairs (2,048 descriptors), covers the releases of 500 ms at 1,000 two-stream calls/s.
    keepBound: Math.min(1024, Math.floor((config.rtp.ports.max - config.rtp.ports.min) / 8)),
    // With media workers, 16 endpoints each are allocated ahead: an answer needs no round trip to a worker.
    reserve: Math.min(16, Math.floor((config.rtp.ports.max - config.rtp.ports.min) / 64)),
    logger: logger.child({ mod: 'media' }),
  });
  await ports.warm();
  const sip = createSessionServer(config, logger.child({ mod: 'sip' }));
  const speech = overrides.speech ?? selectRecognizerFactory(config, logger);
  await speech?.warm?.().catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'speech recognition could not be prepared; calls will be recorded untranscribed'));
  const analyzer = overrides.analyzer ?? selectAnalyzer(config, logger);
  const engine = new Engine({ config, sip, subscribers, recordings: store, ports, logger, analyzer, ...(speech ? { speech } : {}) });
  const publisher = new CallPublisher({
    engine,
    store,
    nodeId: config.nodeId,
    logger,
    callTtlMs: config.cluster.callTtlMs,
    recordingTtlMs: config.cluster.recordingTtlMs,
  });

  const a = config.alerts;
  const sms =
    overrides.sms ??
    selectSmsProvider(
      a.sms,
      // Each provider's settings block in the configuration is its options: a new provider adds its
      // block there (src/config/alerts.ts) and its case in providers/select.ts, and nothing here.
      { smpp: a.smpp, acs: a.acs, http: a.http },
      logger.child({ mod: 'sms' }),
    );
  // An SMSC that is down at start-up must not stop the node: the provider keeps re-binding and the queue
  // retries sends meanwhile.
  // Bounded: a firewall that drops SYNs must not hold the node's start (the provider keeps retrying).
  await Promise.race([sms.start?.(), new Promise((r) => setTimeout(r, 10_000).unref())]);
  // Alert changes go to every node's event stream (the dashboard's recent alerts).
  const announce = (alertId: string): void => {
    void alertQueue.get(alertId).then(
      (alert) => alert && publisher.publish({ type: 'alert', node: config.nodeId, at: Date.now(), alert: { ...alert } }),
      () => undefined,
    );
  };
  const alertQueue = createAlertQueue({
    onAttempt: announce,
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
    { brand: a.brand, defaultLocale: a.defaultLocale, nodeId: config.nodeId, defaultCountry: config.defaultCountry, logger, onChange: announce },
    sms,
  );
  engine.onAlert = (alert) => alerts.raise(alert);
  let listening = false;
  let closing = false;
  const auth = opsAuth(config, logger);
  // An LLM analyzer (or a chain) counts content-filter refusals; the local one counts nothing.
  const llm = typeof (analyzer as Partial<MetricsLlm>).llmStats === 'function' ? (analyzer as Analyzer & MetricsLlm) : undefined;
  const metrics = createMetrics({ engine, sip, alerts: alertQueue, nodeId: config.nodeId, llm }, { processMetrics: overrides.processMetrics ?? true });
  const ops = buildOpsServer({
    calls: new ClusterCallDirectory(engine, store),
    alerts: { queue: alertQueue, service: alerts },
    ...(auth.options ? { auth: auth.options } : {}),
    nodes: store,
    heartbeatMs: refreshIntervalMs(config.cluster.callTtlMs),
    configView: () => redactedConfig(config),
    metrics,
    plugins: [(app) => registerEventRoutes(app, { events: store }), registerDashboard],
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
  if (auth.generated) announceToken(auth.generated, config.http.host, typeof httpAddr === 'object' && httpAddr ? httpAddr.port : config.http.port);
  const sipAddr = sip.address();

  let closed: Promise<void> | undefined;
  return {
    engine,
    store,
    ...(auth.generated ? { adminToken: auth.generated } : {}),
    alerts,
    alertQueue,
    sms,
    sip,
    ops,
    subscribers,
    addresses: {
      ...(sipAddr.udp !== undefined ? { sipUdp: sipAddr.udp } : {}),
      ...(sipAddr.tcp !== undefined ? { sipTcp: sipAddr.tcp } : {}),
      ...(sipAddr.tls !== undefined ? { sipTls: sipAddr.tls } : {}),
      http: typeof httpAddr === 'object' && httpAddr ? httpAddr.port : config.http.port,
    },
    close() {
      closed ??= (async () => {
        closing = true;
        // Each step runs whatever the one before did: a failing step is logged, not a reason to leave
        // the SMSC bound or Redis connected.
        const step = async (name: string, f: () => unknown): Promise<void> => {
          try {
            await f();
          } catch (err) {
            logger.warn({ err, step: name }, 'shutdown step failed; continuing');
          }
        };
        await step('engine', () => engine.close());
        // Alerts raised by the last calls reach the queue (bounded: Redis may be down), in-flight sends
        // finish (BullMQ keeps the rest queued for another node), then the SMSC session is unbound.
        await step('alerts', () => Promise.race([alerts.settle(), new Promise((r) => setTimeout(r, config.shutdownGraceMs).unref())]));
        await step('alert queue', () => alertQueue.close(config.shutdownGraceMs));
        await step('sms', () => sms.close());
        await step('speech', () => speech?.close());
        await step('analyzer', () => analyzer.close?.());
        await step('cluster', () => publisher.close());
        await step('ops', () => ops.close());
        await step('metrics', () => metrics.close());
        if (overrides.subscribers) await step('subscribers', () => overrides.subscribers?.close());
        await step('state', () => store.close());
      })();
      return closed;
    },
  };
}

/**
 * The ops API's tokens. Auth on with none configured: one admin token for this run, printed once on
 * stderr (not logged), so `npm start` is usable and never open. Auth off: said loudly at start.
 */
function opsAuth(config: Config, logger: Logger): { options?: AuthOptions; generated?: string } {
  if (!config.auth.enabled) {
    logger.warn('ops API authentication is OFF (CALLGUARD_AUTH=off): every route is open; use it on loopback only');
    return {};
  }
  if (config.auth.tokens.length > 0) return { options: { tokens: config.auth.tokens } };
  const token = randomBytes(24).toString('base64url');
  return { options: { tokens: [{ role: 'admin', token }] }, generated: token };
}

/** Once the ops API listens (its port may have been 0), tell the operator how to use the generated token. */
function announceToken(token: string, host: string, port: number): void {
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  process.stderr.write(
    `callguard: no CALLGUARD_API_TOKENS set; admin token for this run: ${token}\n` +
      `  e.g. curl -H 'Authorization: Bearer ${token}' ${base}/v1/calls\n` +
      `  dashboard: ${base}/dashboard#token=${token}\n`,
  );
}

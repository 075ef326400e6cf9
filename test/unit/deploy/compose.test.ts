/**
 * The deployment files agree with the code: docker-compose.yml, the Dockerfile, deploy/prometheus,
 * deploy/k8s and the Grafana dashboard name only real settings (a renamed setting fails here), their
 * values pass loadConfig, ports, probes, health checks and scrape targets match the configured ports,
 * and every metric they query is one src/metrics registers.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { SETTINGS, cidrMatcher, loadConfig, parseCidr, type Config, type Env } from '../../../src/config/index.js';
import { DEBIAN_MODEL_ROOT } from '../../../src/speech/offline/model-dir.js';
import { POCKETSPHINX_BINARY } from '../../../src/speech/offline/pocketsphinx-process.js';

const root = resolve(import.meta.dirname, '../../..');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown, what: string): Obj => {
  if (!isObj(v)) throw new Error(`${what} is not a mapping`);
  return v;
};
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
const isSetting = (name: string): boolean => Object.hasOwn(SETTINGS, name);

// ---- docker compose ------------------------------------------------------------------------

/**
 * Compose interpolation as a fresh `docker compose up` with no variables set resolves it:
 * ${VAR:-default} and ${VAR-default} give the default, ${VAR} and $VAR nothing, $$ a literal $.
 */
function interpolate(value: string): string {
  return value.replace(
    /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_m, dollar: string | undefined, name: string | undefined, op: string | undefined, arg: string | undefined) => {
      if (dollar) return '$';
      if (op === ':-' || op === '-') return arg ?? '';
      if (op === ':?' || op === '?') throw new Error(`compose variable ${name} is required: ${arg ?? ''}`);
      return '';
    },
  );
}

const compose = obj(parse(read('docker-compose.yml'), { merge: true }), 'docker-compose.yml');
const services = obj(compose.services, 'services');
const service = (name: string): Obj => obj(services[name], `service ${name}`);

/** A service's environment as written (list or map form), values as strings. */
function rawEnvironment(svc: Obj): Record<string, string> {
  const env = svc.environment;
  const out: Record<string, string> = {};
  if (Array.isArray(env)) {
    for (const item of env) {
      const [k = '', ...v] = String(item).split('=');
      out[k] = v.join('=');
    }
  } else if (isObj(env)) {
    for (const [k, v] of Object.entries(env)) out[k] = v === null || v === undefined ? '' : String(v);
  }
  return out;
}
const environment = (svc: Obj): Env =>
  Object.fromEntries(Object.entries(rawEnvironment(svc)).map(([k, v]) => [k, interpolate(v)]));

const buildContext = (svc: Obj): string | undefined =>
  typeof svc.build === 'string' ? svc.build : isObj(svc.build) ? String(svc.build.context ?? '.') : undefined;
/** The services running callguard: built from the Dockerfile at the root. */
const callguardServices = Object.keys(services).filter((n) => ['.', './'].includes(buildContext(service(n)) ?? ''));
const configOf = (name: string): Config => loadConfig(environment(service(name)));

interface Published {
  hostIp: string;
  host: [number, number];
  container: [number, number];
  protocol: 'tcp' | 'udp';
}
const range = (s: string): [number, number] => {
  const [lo = '', hi] = s.split('-');
  return [Number(lo), Number(hi ?? lo)];
};
function published(svc: Obj): Published[] {
  return arr(svc.ports).map((p) => {
    if (isObj(p)) {
      const target = String(p.target);
      const hostPort = String(p.published ?? target);
      return { hostIp: String(p.host_ip ?? ''), host: range(hostPort), container: range(target), protocol: (p.protocol ?? 'tcp') as 'tcp' | 'udp' };
    }
    const text = interpolate(String(p));
    const [spec = '', proto = 'tcp'] = text.split('/');
    const parts = spec.split(':');
    const container = parts.pop() ?? '';
    const hostPort = parts.pop() ?? container;
    return { hostIp: parts.join(':'), host: range(hostPort), container: range(container), protocol: proto as 'tcp' | 'udp' };
  });
}
const publishes = (ports: Published[], port: number, protocol: 'tcp' | 'udp'): boolean =>
  ports.some((p) => p.protocol === protocol && p.container[0] <= port && port <= p.container[1]);

function healthcheckText(svc: Obj): string {
  const hc = isObj(svc.healthcheck) ? svc.healthcheck : undefined;
  if (!hc || hc.disable === true) return '';
  return arr(hc.test).map(String).join(' ');
}
const durationMs = (d: unknown): number => {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(String(d));
  if (!m) throw new Error(`not a compose duration: ${String(d)}`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2] as 'ms' | 's' | 'm'];
};
const networkAddress = (svc: Obj): string | undefined => {
  if (!isObj(svc.networks)) return undefined;
  for (const n of Object.values(svc.networks)) if (isObj(n) && typeof n.ipv4_address === 'string') return n.ipv4_address;
  return undefined;
};

describe('docker-compose.yml', () => {
  it('has the stack: redis, drachtio, a native and a drachtio callguard node, prometheus, and sipp on a profile', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['redis', 'drachtio', 'callguard-native', 'callguard-drachtio', 'prometheus', 'sipp']));
    expect(callguardServices.sort()).toEqual(['callguard-drachtio', 'callguard-native']);
    expect(arr(service('sipp').profiles)).toContain('sipp');
    expect(String(service('redis').image)).toMatch(/^redis:7/);
    expect(arr(service('redis').command).join(' ')).toContain('--appendonly yes');
    expect(String(service('drachtio').image)).toMatch(/^drachtio\/drachtio-server:/);
    expect(String(service('prometheus').image)).toMatch(/^prom\/prometheus:/);
  });

  it.each(callguardServices)('%s: every environment variable is a callguard setting', (name) => {
    const unknown = Object.keys(rawEnvironment(service(name))).filter((k) => !isSetting(k));
    expect(unknown, `not in SETTINGS (src/config/settings.ts): ${unknown.join(', ')}`).toEqual([]);
  });

  it.each(callguardServices)('%s: its environment, interpolations at their defaults, passes loadConfig', (name) => {
    const env = environment(service(name));
    expect(() => loadConfig(env)).not.toThrow();
    const c = loadConfig(env);
    expect(c.redisUrl).toMatch(/^redis:\/\/redis:/);
    expect(c.nodeId).toBe(name);
    expect(c.auth.tokens.map((t) => t.role).sort()).toEqual(['admin', 'reader']);
    // Containers listen on their interfaces, and never advertise the wildcard in SDP (a hold address).
    expect(c.sip.host).toBe('0.0.0.0');
    expect(c.http.host).toBe('0.0.0.0');
    expect(c.rtp.advertise).not.toBe('0.0.0.0');
    expect(c.rtp.advertise).toBe(networkAddress(service(name)));
  });

  it('has one node per SIP stack, the drachtio one wired to the drachtio service with the same secret and port', () => {
    expect(configOf('callguard-native').sip.stack).toBe('native');
    const d = configOf('callguard-drachtio');
    expect(d.sip.stack).toBe('drachtio');
    expect(Object.keys(services)).toContain(d.sip.drachtio.host);
    expect(d.sip.drachtio.secret).not.toBe('');
    expect(environment(service(d.sip.drachtio.host)).DRACHTIO_SECRET).toBe(d.sip.drachtio.secret);
    const xml = read('deploy/drachtio/drachtio.conf.xml');
    const admin = /<admin\b[^>]*\bport="(\d+)"/.exec(xml);
    expect(Number(admin?.[1])).toBe(d.sip.drachtio.port);
    expect(xml, 'the secret comes from DRACHTIO_SECRET, not the file').not.toMatch(/secret="/);
    // drachtio-server is started with the mounted file, and publishes the SIP port its contact names.
    const drachtio = service('drachtio');
    const file = /-f\s+(\S+)/.exec(arr(drachtio.command).join(' '))?.[1];
    expect(arr(drachtio.volumes).map(String)).toContain(`./deploy/drachtio/drachtio.conf.xml:${file}:ro`);
    const contact = Number(/<contact[^>]*>sip:[^<]*?:(\d+)/.exec(xml)?.[1]);
    expect(publishes(published(drachtio), contact, 'udp') && publishes(published(drachtio), contact, 'tcp')).toBe(true);
  });

  it.each(callguardServices)('%s: published ports are the configured SIP, TLS, HTTP and RTP ports', (name) => {
    const c = configOf(name);
    const ports = published(service(name));
    expect(publishes(ports, c.http.port, 'tcp')).toBe(true);
    if (c.sip.stack === 'native') {
      for (const t of c.sip.transports) expect(publishes(ports, c.sip.port, t), `SIP ${c.sip.port}/${t}`).toBe(true);
    }
    if (c.sip.tls.port) expect(publishes(ports, c.sip.tls.port, 'tcp')).toBe(true);
    // RTP: exactly the configured range, host port = container port (the SDP answer names the bound port).
    const rtp = ports.filter((p) => p.protocol === 'udp' && p.container[1] > p.container[0]);
    expect(rtp.map((p) => ({ host: p.host, container: p.container }))).toEqual([
      { host: [c.rtp.ports.min, c.rtp.ports.max], container: [c.rtp.ports.min, c.rtp.ports.max] },
    ]);
    // Nothing else is published.
    for (const p of ports) {
      const [port] = p.container;
      const known =
        (p.protocol === 'tcp' && port === c.http.port) ||
        (c.sip.stack === 'native' && port === c.sip.port && c.sip.transports.includes(p.protocol)) ||
        (p.protocol === 'tcp' && c.sip.tls.port !== 0 && port === c.sip.tls.port) ||
        (p.protocol === 'udp' && p.container[0] === c.rtp.ports.min && p.container[1] === c.rtp.ports.max);
      expect(known, `${name} publishes ${p.container.join('-')}/${p.protocol}, which is no configured port`).toBe(true);
    }
  });

  it('publishes no host port twice', () => {
    const seen = new Map<string, string>();
    for (const [name, svc] of Object.entries(services)) {
      for (const p of published(obj(svc, name))) {
        for (let port = p.host[0]; port <= p.host[1]; port++) {
          const key = `${p.hostIp || '*'}:${port}/${p.protocol}`;
          expect(seen.get(key), `${key} published by ${seen.get(key)} and ${name}`).toBeUndefined();
          seen.set(key, name);
        }
      }
    }
  });

  it('has a health check on every long-running service; callguard ones hit /healthz on CALLGUARD_HTTP_PORT', () => {
    const longRunning = Object.keys(services).filter((n) => arr(service(n).profiles).length === 0);
    for (const n of longRunning) expect(healthcheckText(service(n)), `${n} has no healthcheck`).not.toBe('');
    for (const n of callguardServices) {
      const url = /https?:\/\/(127\.0\.0\.1|localhost):(\d+)\/healthz\b/.exec(healthcheckText(service(n)));
      expect(url, `${n}: healthcheck does not GET /healthz`).not.toBeNull();
      expect(Number(url?.[2])).toBe(configOf(n).http.port);
    }
  });

  it('makes depends_on conditions wait only on services that have a health check', () => {
    for (const [name, svc] of Object.entries(services)) {
      const deps = obj(svc, name).depends_on;
      const entries: Array<[string, unknown]> = Array.isArray(deps) ? deps.map((d) => [String(d), {}]) : isObj(deps) ? Object.entries(deps) : [];
      for (const [dep, spec] of entries) {
        expect(Object.keys(services), `${name} depends on unknown ${dep}`).toContain(dep);
        if (isObj(spec) && spec.condition === 'service_healthy') {
          expect(healthcheckText(service(dep)), `${name} waits for ${dep} to be healthy, which has no healthcheck`).not.toBe('');
        }
      }
    }
    expect(obj(service('callguard-native').depends_on, 'depends_on').redis).toEqual({ condition: 'service_healthy' });
  });

  it.each(callguardServices)('%s: stop_grace_period outlasts CALLGUARD_SHUTDOWN_GRACE_MS (+1 s, the process deadline)', (name) => {
    expect(durationMs(service(name).stop_grace_period)).toBeGreaterThan(configOf(name).shutdownGraceMs + 1000);
  });

  it('keeps secrets as ${VAR:-placeholder} interpolations, never literals', () => {
    const secretNames = ['CALLGUARD_API_TOKENS', 'CALLGUARD_NUMBER_HASH_SECRET', 'CALLGUARD_DRACHTIO_SECRET', 'CALLGUARD_SMPP_PASSWORD'];
    for (const n of callguardServices) {
      const raw = rawEnvironment(service(n));
      for (const s of secretNames) if (raw[s] !== undefined) expect(raw[s], `${n} ${s}`).toMatch(/\$\{[A-Z_]+:-[^}]*\}/);
      for (const [k, v] of Object.entries(environment(service(n)))) {
        if (/TOKENS|SECRET|PASSWORD/.test(k) && v) expect(v.toLowerCase(), `${n} ${k} default`).toContain('change-me');
      }
    }
  });

  it('sipp places SIPREC calls the native node accepts: allowed source, provisioned subscriber', () => {
    const sipp = service('sipp');
    const args = arr(sipp.command).map((a) => interpolate(String(a)));
    const arg = (flag: string): string | undefined => args[args.indexOf(flag) + 1];
    const key = (k: string): string | undefined => args[args.findIndex((a, i) => a === '-key' && args[i + 1] === k) + 2];
    const [targetHost, targetPort] = (args[0] ?? '').split(':');
    expect(targetHost).toBe('callguard-native');
    const c = configOf('callguard-native');
    expect(Number(targetPort)).toBe(c.sip.port);
    expect(cidrMatcher(c.sip.srcAllow)(arg('-i') ?? '')).toBe(true);
    expect(networkAddress(sipp)).toBe(arg('-i'));
    expect(c.subscribers.map((s) => s.number)).toContain(key('subscriber'));
    // The scenario is baked into the sipp image and is a SIPREC INVITE with a multipart body.
    const scenario = arg('-sf') ?? '';
    const dockerfile = read('deploy/sipp/Dockerfile');
    const copied = /COPY\s+(\S+)\s+(\S+)/.exec(dockerfile);
    expect(copied?.[2]).toBe(scenario);
    const xml = read(join('deploy/sipp', copied?.[1] ?? ''));
    expect(xml).toMatch(/^INVITE sip:/m);
    expect(xml).toContain('Require: siprec');
    expect(xml).toMatch(/Content-Type: multipart\/mixed;boundary=/);
    expect(xml).toContain('application/rs-metadata+xml');
    expect(Number(arg('-d'))).toBeLessThan(c.media.timeoutMs);
  });
});

// ---- Prometheus ------------------------------------------------------------------------------

/** Metric names src/metrics registers (quoted in its source), plus prom-client's process metrics it collects. */
function knownMetrics(): Set<string> {
  const dir = join(root, 'src/metrics');
  const source = readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
  const names = new Set([...source.matchAll(/['"]((?:callguard|nodejs|process)_[a-z0-9_]+)['"]/g)].map((m) => m[1]!));
  if (source.includes('collectDefaultMetrics(')) {
    const lib = join(root, 'node_modules/prom-client/lib/metrics');
    for (const f of readdirSync(lib).filter((x) => x.endsWith('.js'))) {
      for (const m of readFileSync(join(lib, f), 'utf8').matchAll(/['"]((?:nodejs|process)_[a-z0-9_]+)['"]/g)) names.add(m[1]!);
    }
  }
  return names;
}
const KNOWN = knownMetrics();
/** Metric names a PromQL expression queries, histogram suffixes folded into their histogram. */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\b((?:callguard|nodejs|process)_[a-z0-9_]+)/g)].map((m) => {
    const name = m[1]!;
    const base = name.replace(/_(bucket|sum|count)$/, '');
    return !KNOWN.has(name) && KNOWN.has(base) ? base : name;
  });
}

describe('deploy/prometheus', () => {
  const prom = obj(parse(read('deploy/prometheus/prometheus.yml')), 'prometheus.yml');
  const jobs = arr(prom.scrape_configs).map((j) => obj(j, 'scrape config'));
  const job = jobs.find((j) => j.job_name === 'callguard');

  it('scrapes every callguard compose service on its HTTP port, with a bearer token file', () => {
    expect(job).toBeDefined();
    expect(job?.metrics_path ?? '/metrics').toBe('/metrics');
    const targets = arr(job?.static_configs).flatMap((s) => arr(obj(s, 'static config').targets).map(String));
    expect(targets.sort()).toEqual(callguardServices.map((n) => `${n}:${configOf(n).http.port}`).sort());
    const auth = obj(job?.authorization, 'authorization');
    expect(auth.type ?? 'Bearer').toBe('Bearer');
    const file = String(auth.credentials_file);
    // The compose service writes the reader token there before Prometheus starts.
    const svc = service('prometheus');
    expect(arr(svc.command).join(' ')).toContain(`> ${file}`);
    const token = environment(svc).SCRAPE_TOKEN ?? '';
    const readers = configOf('callguard-native').auth.tokens.filter((t) => t.role === 'reader').map((t) => t.token);
    expect(readers).toContain(token);
  });

  it('loads the alert rules from the file compose mounts', () => {
    const mounts = arr(service('prometheus').volumes).map(String);
    for (const rules of arr(prom.rule_files).map(String)) {
      expect(mounts).toContain(`./deploy/prometheus/alerts.yml:${rules}:ro`);
    }
    expect(mounts).toContain('./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro');
  });

  it('has alert rules over real metrics: dead letters, queue depth, node down, event loop lag', () => {
    const alerts = obj(parse(read('deploy/prometheus/alerts.yml')), 'alerts.yml');
    const rules = arr(alerts.groups).flatMap((g) => arr(obj(g, 'group').rules).map((r) => obj(r, 'rule')));
    expect(rules.length).toBeGreaterThanOrEqual(4);
    const exprs = rules.map((r) => String(r.expr));
    for (const r of rules) {
      expect(typeof r.alert).toBe('string');
      expect(obj(r.labels, 'labels').severity).toBeDefined();
      expect(obj(r.annotations, 'annotations').summary).toBeDefined();
      for (const m of metricsIn(String(r.expr))) expect(KNOWN.has(m), `${String(r.alert)}: no metric ${m} in src/metrics`).toBe(true);
    }
    expect(exprs.some((e) => /callguard_alerts\{[^}]*status="dead"/.test(e))).toBe(true);
    expect(exprs.some((e) => e.includes('callguard_alert_queue_depth'))).toBe(true);
    expect(exprs.some((e) => /\bup\{job="callguard"\}/.test(e))).toBe(true);
    expect(exprs.some((e) => e.includes('nodejs_eventloop_lag_seconds'))).toBe(true);
  });
});

// ---- Grafana -----------------------------------------------------------------------------------

describe('deploy/grafana/callguard-dashboard.json', () => {
  const dashboard = obj(JSON.parse(read('deploy/grafana/callguard-dashboard.json')), 'dashboard');
  const exprs: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isObj(v)) {
      for (const [k, x] of Object.entries(v)) {
        if ((k === 'expr' || k === 'definition') && typeof x === 'string') exprs.push(x);
        else walk(x);
      }
    }
  };
  walk(dashboard);

  it('queries only metrics that src/metrics registers', () => {
    expect(exprs.length).toBeGreaterThan(10);
    const unknown = [...new Set(exprs.flatMap(metricsIn))].filter((m) => !KNOWN.has(m));
    expect(unknown, `not registered in src/metrics: ${unknown.join(', ')}`).toEqual([]);
  });

  it('covers the key series, filtered by the node variable', () => {
    const used = new Set(exprs.flatMap(metricsIn));
    for (const m of [
      'callguard_calls_active',
      'callguard_calls_total',
      'callguard_sip_responses_total',
      'callguard_sip_rejected_total',
      'callguard_rtp_packets_total',
      'callguard_rtp_packets_lost_total',
      'callguard_rtp_packets_late_total',
      'callguard_recognizers_active',
      'callguard_analysis_duration_seconds',
      'callguard_risk_level_reached_total',
      'callguard_alerts',
      'callguard_alert_queue_depth',
      'callguard_alert_duplicates_total',
      'callguard_alerts_disputed_total',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(used.has(m), `dashboard does not show ${m}`).toBe(true);
    }
    const vars = arr(obj(dashboard.templating, 'templating').list).map((v) => obj(v, 'variable').name);
    expect(vars).toEqual(expect.arrayContaining(['datasource', 'node']));
    for (const e of exprs.filter((x) => x.includes('callguard_') && !x.startsWith('label_values'))) expect(e).toContain('node=~"$node"');
  });

  it('has unique panel ids', () => {
    const ids: unknown[] = [];
    const collect = (panels: unknown): void =>
      arr(panels).forEach((p) => {
        ids.push(obj(p, 'panel').id);
        collect(obj(p, 'panel').panels);
      });
    collect(dashboard.panels);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

// ---- Kubernetes --------------------------------------------------------------------------------

describe('deploy/k8s', () => {
  const dir = join(root, 'deploy/k8s');
  const docs = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d: { toJS(): unknown }) => ({ file: f, doc: obj(d.toJS(), f) })));
  const kind = (k: string): Array<{ file: string; doc: Obj }> => docs.filter((d) => d.doc.kind === k);
  const [deployment] = kind('Deployment').map((d) => d.doc);
  const podSpec = obj(obj(obj(deployment?.spec, 'spec').template, 'template').spec, 'pod spec');
  const container = obj(arr(podSpec.containers)[0], 'container');
  const envFrom = arr(container.envFrom).map((e) => obj(e, 'envFrom'));
  const refName = (e: Obj, k: string): string | undefined => (isObj(e[k]) ? String(e[k].name) : undefined);
  const configMap = kind('ConfigMap').find((d) => envFrom.some((e) => refName(e, 'configMapRef') === obj(d.doc.metadata, 'metadata').name))?.doc;
  const secret = kind('Secret').find((d) => envFrom.some((e) => refName(e, 'secretRef') === obj(d.doc.metadata, 'metadata').name))?.doc;
  const data = (d: Obj | undefined): Record<string, string> =>
    Object.fromEntries(Object.entries({ ...(isObj(d?.data) ? d.data : {}), ...(isObj(d?.stringData) ? d.stringData : {}) }).map(([k, v]) => [k, String(v)]));
  const containerEnv = arr(container.env).map((e) => obj(e, 'env'));

  /** The pod's environment: ConfigMap, Secret template, then env (downward-API values as a node would give them). */
  const podEnv = (): Env => {
    const env: Env = { ...data(configMap), ...data(secret) };
    for (const e of containerEnv) {
      const ref = isObj(e.valueFrom) && isObj(e.valueFrom.fieldRef) ? String(e.valueFrom.fieldRef.fieldPath) : undefined;
      env[String(e.name)] = ref === 'status.podIP' ? '10.20.30.40' : ref === 'metadata.name' ? 'callguard-5d9c7b6f4-abcde' : String(e.value ?? '');
    }
    return env;
  };

  it('has a Deployment, its ConfigMap and Secret template, a headless SIP Service, an ops Service and a PDB', () => {
    expect(deployment).toBeDefined();
    expect(configMap).toBeDefined();
    expect(secret).toBeDefined();
    const svcs = kind('Service').map((d) => obj(d.doc.spec, 'spec'));
    expect(svcs.some((s) => s.clusterIP === 'None' && arr(s.ports).some((p) => obj(p, 'port').port === loadConfig(podEnv()).sip.port))).toBe(true);
    expect(svcs.some((s) => s.clusterIP !== 'None' && arr(s.ports).some((p) => obj(p, 'port').targetPort === 'http'))).toBe(true);
    expect(kind('PodDisruptionBudget')).toHaveLength(1);
    for (const d of docs) expect(obj(d.doc.metadata ?? {}, 'metadata').namespace, `${d.file} sets a namespace`).toBeUndefined();
    const kustomization = kind('Kustomization')[0]?.doc;
    for (const r of arr(kustomization?.resources).map(String)) expect(existsSync(join(dir, r)), r).toBe(true);
  });

  it('names only real settings in the ConfigMap, the Secret and the container env', () => {
    const names = [...Object.keys(data(configMap)), ...Object.keys(data(secret)), ...containerEnv.map((e) => String(e.name))];
    const unknown = names.filter((n) => !isSetting(n));
    expect(unknown, `not in SETTINGS (src/config/settings.ts): ${unknown.join(', ')}`).toEqual([]);
  });

  it('builds a configuration that passes loadConfig', () => {
    expect(() => loadConfig(podEnv())).not.toThrow();
    const c = loadConfig(podEnv());
    expect(c.rtp.advertise).toBe('10.20.30.40');
    expect(c.sip.host).toBe('10.20.30.40');
    expect(c.redisUrl).not.toBe('');
  });

  it('probes /readyz and /healthz on the ConfigMap CALLGUARD_HTTP_PORT; SIP ports match CALLGUARD_SIP_PORT', () => {
    const c = loadConfig(podEnv());
    expect(data(configMap).CALLGUARD_HTTP_PORT).toBe(String(c.http.port));
    const ports = arr(container.ports).map((p) => obj(p, 'port'));
    const resolvePort = (port: unknown): number =>
      typeof port === 'number' ? port : Number(ports.find((p) => p.name === port)?.containerPort ?? NaN);
    const probe = (k: string): Obj => obj(obj(container[k], k).httpGet, `${k}.httpGet`);
    expect(probe('readinessProbe').path).toBe('/readyz');
    expect(probe('livenessProbe').path).toBe('/healthz');
    for (const k of ['readinessProbe', 'livenessProbe', 'startupProbe'].filter((x) => container[x])) {
      expect(resolvePort(probe(k).port), k).toBe(c.http.port);
    }
    for (const t of c.sip.transports) {
      expect(ports.some((p) => p.containerPort === c.sip.port && String(p.protocol ?? 'TCP').toLowerCase() === t)).toBe(true);
    }
    // Services point at container ports that exist.
    for (const s of kind('Service')) {
      for (const p of arr(obj(s.doc.spec, 'spec').ports).map((x) => obj(x, 'port'))) {
        expect(Number.isFinite(resolvePort(p.targetPort ?? p.port)), `${s.file}: targetPort ${String(p.targetPort)}`).toBe(true);
      }
    }
  });

  it('runs non-root, read-only, and gives SIGTERM longer than the shutdown grace', () => {
    const c = loadConfig(podEnv());
    expect(Number(podSpec.terminationGracePeriodSeconds) * 1000).toBeGreaterThan(c.shutdownGraceMs + 1000);
    expect(obj(podSpec.securityContext, 'securityContext').runAsNonRoot).toBe(true);
    const sc = obj(container.securityContext, 'container securityContext');
    expect(sc.readOnlyRootFilesystem).toBe(true);
    expect(sc.allowPrivilegeEscalation).toBe(false);
    // pocketsphinx writes its model directory to /tmp: it must be a volume on a read-only root.
    expect(arr(container.volumeMounts).some((m) => obj(m, 'mount').mountPath === '/tmp')).toBe(true);
    // hostNetwork: the SDP and SIP addresses are the node's (status.podIP), never a wildcard.
    expect(podSpec.hostNetwork).toBe(true);
    expect(podSpec.dnsPolicy).toBe('ClusterFirstWithHostNet');
    const fromPodIp = containerEnv.filter((e) => isObj(e.valueFrom) && isObj(e.valueFrom.fieldRef) && e.valueFrom.fieldRef.fieldPath === 'status.podIP');
    expect(fromPodIp.map((e) => e.name)).toEqual(expect.arrayContaining(['CALLGUARD_MEDIA_ADDRESS', 'CALLGUARD_SIP_HOST']));
    expect(c.sip.srcAllow.length).toBeGreaterThan(0);
    for (const cidr of c.sip.srcAllow) expect(parseCidr(cidr.text)).toBeDefined();
  });
});

// ---- Prose and comments ----------------------------------------------------------------------

describe('deployment docs and comments', () => {
  it('name only real settings', () => {
    const files = [
      'Dockerfile',
      'docker-compose.yml',
      'docs/operations.md',
      'deploy/README.md',
      'deploy/drachtio/drachtio.conf.xml',
      'deploy/prometheus/prometheus.yml',
      'deploy/prometheus/alerts.yml',
      ...readdirSync(join(root, 'deploy/k8s')).map((f) => `deploy/k8s/${f}`),
    ];
    for (const f of files) {
      const unknown = [...new Set([...read(f).matchAll(/\bCALLGUARD_[A-Z0-9_]*[A-Z0-9]\b/g)].map((m) => m[0]))].filter((n) => !isSetting(n));
      expect(unknown, `${f} names settings that do not exist: ${unknown.join(', ')}`).toEqual([]);
    }
  });
});

// ---- Dockerfile ----------------------------------------------------------------------------------

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile').replace(/\\\n/g, ' ');
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

  it('sets only real settings in ENV, never a media address, and they pass loadConfig', () => {
    const env = Object.fromEntries(
      [...runtime.matchAll(/^ENV (.*)$/gm)].flatMap((m) => (m[1] ?? '').trim().split(/\s+/).map((kv) => kv.split('=') as [string, string])),
    );
    const names = Object.keys(env).filter((k) => k !== 'NODE_ENV');
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((n) => !isSetting(n))).toEqual([]);
    // Per deployment only: a default here would be wrong everywhere but one network.
    expect(names).not.toContain('CALLGUARD_MEDIA_ADDRESS');
    expect(() => loadConfig(env)).not.toThrow();
    expect(loadConfig(env).sip.host).toBe('0.0.0.0');
  });

  it('installs pocketsphinx and its model where src/speech/offline looks, and no test tools', () => {
    expect(runtime).toMatch(/apt-get install[^\n]*\bpocketsphinx\b[^\n]*\bpocketsphinx-en-us\b/);
    expect(runtime).toContain(POCKETSPHINX_BINARY);
    expect(runtime).toContain(DEBIAN_MODEL_ROOT);
    const installed = [...runtime.matchAll(/apt-get install([^&\n]*)/g)].map((m) => m[1]).join(' ');
    expect(installed).not.toMatch(/\b(flite|sox|sip-tester|sipp)\b/);
  });

  it('runs dist/src/cli.js serve as a non-root user, exposes the default ports and checks /healthz', () => {
    const defaults = loadConfig({});
    expect(runtime).toMatch(/^USER (?!root\b)\S+/m);
    expect(runtime).toContain('ENTRYPOINT ["node", "dist/src/cli.js"]');
    expect(runtime).toContain('CMD ["serve"]');
    const expose = /^EXPOSE (.*)$/m.exec(runtime)?.[1]?.split(/\s+/) ?? [];
    expect(expose).toEqual(expect.arrayContaining([`${defaults.sip.port}/udp`, `${defaults.sip.port}/tcp`, `${defaults.http.port}/tcp`]));
    expect(runtime).toMatch(/HEALTHCHECK[^\n]*CALLGUARD_HTTP_PORT[^\n]*\/healthz/);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/npm run build/);
  });
});

/**
 * Benchmarks, printed as JSON: `npm run bench -- <name> [flags]`, one file per bench in bench/ (the
 * SIP and media benches share bench/server.ts). docs/performance.md keeps the latest figures.
 */
const [which = 'sip', ...rest] = process.argv.slice(2);
const benches: Record<string, (a: string[]) => Promise<unknown>> = {
  sip: async (a) => (await import('./sip.js')).benchSip(a),
  'sip-bounds': async (a) => (await import('./sip-bounds.js')).benchSipBounds(a),
  media: async (a) => (await import('./media.js')).benchMedia(a),
  mixed: async (a) => (await import('./mixed.js')).benchMixed(a),
  overload: async (a) => (await import('./overload.js')).benchOverload(a),
  speech: async (a) => (await import('./speech.js')).benchSpeech(a),
  analysis: async () => (await import('./analysis.js')).benchAnalysis(),
  alerts: async (a) => (await import('./alerts.js')).benchAlerts(a),
  cluster: async (a) => (await import('./cluster.js')).benchCluster(a),
  siprec: async () => (await import('./siprec.js')).benchSiprec(),
  asr: async (a) => (await import('./asr.js')).benchAsr(a),
};
const fn = benches[which];
if (!fn) {
  process.stderr.write(`unknown bench "${which}"; known: ${Object.keys(benches).join(', ')}\n`);
  process.exit(2);
}
fn(rest).then(
  (r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`),
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  },
);

import { percentile } from './proc.js';

/**
 * Local analyzer speed: p50/p95/p99 of one analyze() over a long window (60 caller + 60 subscriber
 * turns, a 20-minute call) and over each window of a realistic call as it grows.
 */
export async function benchAnalysis(): Promise<unknown> {
  const { LocalAnalyzer } = await import('../src/analysis/local/index.js');
  const analyzer = new LocalAnalyzer();
  const long = Array.from({ length: 120 }, (_, i) =>
    i % 2
      ? { speaker: 'subscriber' as const, text: 'Okay, hold on, let me find my glasses, my computer is slow today.' }
      : { speaker: 'caller' as const, text: 'Ma’am, sit in front of your computer, your IP address has been compromised and we need to fix it today.' },
  );
  const time = (runs: number, f: () => void): { p50: number; p95: number; p99: number } => {
    const t: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      f();
      t.push(performance.now() - t0);
    }
    t.sort((a, b) => a - b);
    const r = (p: number) => Math.round(percentile(t, p) * 1000) / 1000;
    return { p50: r(50), p95: r(95), p99: r(99) };
  };
  const growing = long.slice(0, 40);
  return {
    bench: 'analysis',
    long_window_120_turns_ms: time(500, () => void analyzer.analyzeSync({ window: long })),
    // All 40 analyses of a call that grows to 40 turns, one after each turn.
    growing_window_40_analyses_total_ms: time(200, () => {
      for (let n = 1; n <= growing.length; n++) analyzer.analyzeSync({ window: growing.slice(0, n) });
    }),
  };
}

/**
 * One step of the SIP benches: sipp offers `rate` calls/s for `seconds` against a UAS process (callguard
 * or sipp's own), and the step reads sipp's counters and INVITE→200 times and the UAS's CPU from
 * /proc/<pid>/stat over the same wall time.
 */
import { runSipp } from '../test/e2e/support.js';
import { cpuPercent, cpuUsPerCall, failedCalls, latency, sippCounters, type Latency } from './figures.js';
import { childrenCpuSeconds, cpuTicks, threadCpuTicks } from './proc.js';

export interface SipStepOptions {
  /** The UAS's SIP port on 127.0.0.1 and its pid (whose CPU the step reads). */
  port: number;
  pid: number;
  rate: number;
  seconds: number;
  /** Default uac-call-bye.xml (INVITE(SIPREC) → 200 → ACK → BYE → 200). */
  scenario?: string;
  keys?: Record<string, string>;
}

export interface SipStep extends Latency {
  rate: number;
  calls: number;
  successful: number;
  failed: number;
  achieved_calls_per_s: number;
  /** The UAS's CPU: percent of one core over the step, and per offered call. */
  cpu_percent: number;
  cpu_us_per_call: number;
  /** The same for the UAS's main thread alone (SIP and the call actors; the rest is media workers and V8's). */
  main_thread_cpu_us_per_call: number;
  /** sipp's own (the UAC's) CPU, to see whether the load generator was the limit. */
  uac_cpu_percent: number;
  sipp_exit: number | null;
}

/** CPU ticks of a process, NaN once it has gone (the overload bench reports a crash, it does not throw). */
export function ticksOf(pid: number): number {
  try {
    return cpuTicks(pid);
  } catch {
    return NaN;
  }
}

function mainThreadTicksOf(pid: number): number {
  try {
    return threadCpuTicks(pid, pid);
  } catch {
    return NaN;
  }
}

export async function sipStep(o: SipStepOptions): Promise<SipStep> {
  const calls = Math.max(1, Math.round(o.rate * o.seconds));
  const ticks0 = ticksOf(o.pid);
  const main0 = mainThreadTicksOf(o.pid);
  const uac0 = childrenCpuSeconds();
  const t0 = Date.now();
  const run = await runSipp({
    scenario: o.scenario ?? 'uac-call-bye.xml',
    port: o.port,
    calls,
    rate: o.rate,
    rateLimit: calls,
    traceRtt: true,
    timeoutSeconds: Math.ceil(o.seconds * 4) + 20,
    ...(o.keys ? { keys: o.keys } : {}),
  });
  const elapsed = (Date.now() - t0) / 1000;
  const ticks = ticksOf(o.pid) - ticks0;
  const mainTicks = mainThreadTicksOf(o.pid) - main0;
  const counters = sippCounters(run.statCsv);
  const successful = counters['SuccessfulCall'] ?? 0;
  return {
    rate: o.rate,
    calls,
    successful,
    failed: failedCalls(calls, counters),
    achieved_calls_per_s: Math.round((successful / elapsed) * 10) / 10,
    ...latency(run.rtts),
    cpu_percent: cpuPercent(ticks, elapsed),
    cpu_us_per_call: cpuUsPerCall(ticks, calls),
    main_thread_cpu_us_per_call: cpuUsPerCall(mainTicks, calls),
    uac_cpu_percent: Math.round(((childrenCpuSeconds() - uac0) / elapsed) * 100),
    sipp_exit: run.code,
  };
}

/**
 * Calls whose figures are dropped: the first calls a fresh node answers pay for V8's compilation of
 * the whole path (several ms each), and for seconds after, V8's compiler threads keep optimising it
 * (measured at 250 calls/s: the node's non-main threads used 18 % of a core in its first 6 s, 5 % from
 * the 12th second on). Neither is the per-call cost of a node that has been up for a while, which the
 * steps measure: 3 s at 50/s, then 10 s at 150/s.
 */
export async function warmUp(port: number, pid: number): Promise<void> {
  await sipStep({ port, pid, rate: 50, seconds: 3 });
  await sipStep({ port, pid, rate: 150, seconds: 10 });
}

/** The benches' rule for a rate the UAS sustains: every call completed, sipp content, p99 under 50 ms. */
export function sustains(step: SipStep, p99Ms = 50): boolean {
  return step.failed === 0 && step.sipp_exit === 0 && step.p99_ms < p99Ms;
}

/** `--name=value` from a bench's arguments. */
export function flag(args: readonly string[], name: string, fallback: string): string {
  return args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
}

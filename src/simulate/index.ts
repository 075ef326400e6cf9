/**
 * `callguard simulate`: the command around runSimulation. Progress goes to stderr as one line per
 * step (stdout stays clean for --json, which prints exactly one JSON object). Ctrl-C ends the call
 * with a BYE instead of leaving a recording behind on the node.
 * Exit status: 0 answered and ended by our BYE with a 2xx; 1 anything else on the wire; 2 usage.
 */
import { SimulateError } from './errors.js';
import { parseSimulateArgs, SIMULATE_USAGE } from './simulate-args.js';
import { runSimulation } from './simulate.js';
import type { SimulationEvent, SimulationResult } from './types.js';

export { runSimulation } from './simulate.js';
export { defaultDuration } from './duration.js';
export { deriveSeed, seededRandom } from './seeded-random.js';
export { parseSimulateArgs, SIMULATE_USAGE } from './simulate-args.js';
export { SimulateError, SimulateUsageError } from './errors.js';
export type * from './types.js';

export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
}

export async function simulateCommand(argv: string[], io: CommandIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  const parsed = parseSimulateArgs(argv, io.env);
  if (!parsed.ok) {
    io.stderr.write(`callguard simulate: ${parsed.error.message}\n`);
    if (parsed.error.code === 'SIMULATE_USAGE') io.stderr.write(`${SIMULATE_USAGE}\n`);
    return 2;
  }
  if (parsed.help) {
    io.stdout.write(`${SIMULATE_USAGE}\n`);
    return 0;
  }
  const { options, json } = parsed;
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const say = (line: string): void => {
    if (!json) io.stderr.write(`${line}\n`);
  };
  say(`simulate: ${options.transport.toUpperCase()} to ${options.target.host}:${options.target.port}, codec ${options.codec}`);
  let result: SimulationResult;
  try {
    result = await runSimulation({ ...options, signal: abort.signal, onEvent: (e) => say(describe(e)) });
  } catch (err) {
    if (!(err instanceof SimulateError)) throw err;
    if (json) io.stdout.write(`${JSON.stringify({ error: { code: err.code, message: err.message } })}\n`);
    else io.stderr.write(`callguard simulate: ${err.message}\n`);
    return err.exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (json) io.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    say(
      `${result.clean ? 'done' : 'FAILED'}: call ${result.callId} ${result.answered ? 'answered' : 'not answered'}, ` +
        `ended by ${result.endedBy}, packets caller ${result.packetsSent.caller} / subscriber ${result.packetsSent.subscriber}, ` +
        `${(result.durationMs / 1000).toFixed(2)} s${result.error ? ` (${result.error.message})` : ''}`,
    );
  }
  return result.clean ? 0 : 1;
}

function describe(e: SimulationEvent): string {
  const t = `${(e.atMs / 1000).toFixed(2).padStart(6)} s`;
  switch (e.type) {
    case 'request':
      return `${t}  → ${e.method}`;
    case 'response':
      return `${t}  ← ${e.code} ${e.reason} (${e.method})`;
    case 'answered':
      return `${t}  answered, Call-ID ${e.callId}; RTP ${e.streams.map((s) => `${s.party} (label ${s.label}) → ${s.destination ?? 'nowhere'}`).join(', ')}`;
    case 'held':
      return `${t}  hold: RTP stopped`;
    case 'resumed':
      return `${t}  resumed: RTP flowing`;
    case 'refreshed':
      return `${t}  session refreshed${e.interval !== null ? ` (Session-Expires ${e.interval} s)` : ' (no session timer any more)'}`;
    case 'audio-ended':
      return `${t}  ${e.party} audio ended: silence from now on`;
    case 'bye-received':
      return `${t}  callguard sent BYE: answered 200`;
    case 'warning':
      return `${t}  warning: ${e.message}`;
  }
}

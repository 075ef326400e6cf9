/**
 * `callguard eval --spoken`: the command around runSpokenEval. Progress on stderr, one line per
 * finished call; the report on stdout (one JSON object with --json). Ctrl-C ends the calls in
 * progress with a BYE, closes the node and prints what was measured so far.
 */
import { formatReport, progressLine } from './format.js';
import { parseSpokenArgs, SPOKEN_USAGE } from './args.js';
import { runSpokenEval } from './spoken-eval.js';
import { SpokenEvalError } from './types.js';

export { SPOKEN_USAGE } from './args.js';

export interface SpokenCommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
}

export async function spokenEvalCommand(
  argv: string[],
  io: SpokenCommandIo = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  let parsed;
  try {
    parsed = parseSpokenArgs(argv, io.env);
  } catch (err) {
    if (!(err instanceof SpokenEvalError)) throw err;
    io.stderr.write(`callguard eval: ${err.message}\n${SPOKEN_USAGE}\n`);
    return 2;
  }
  if (parsed.help) {
    io.stdout.write(`${SPOKEN_USAGE}\n`);
    return 0;
  }
  const abort = new AbortController();
  const onSignal = (): void => {
    if (abort.signal.aborted) {
      // A second Ctrl-C: the user will not wait for the BYEs and the node's shutdown.
      io.stderr.write('callguard eval: interrupted again; exiting now\n');
      process.exit(130);
    }
    io.stderr.write('callguard eval: interrupted; ending the calls in progress (Ctrl-C again to quit at once)\n');
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const report = await runSpokenEval({
      ...parsed.options,
      signal: abort.signal,
      onProgress: (p) => io.stderr.write(`${progressLine(p)}\n`),
    });
    io.stdout.write(parsed.json ? `${JSON.stringify(report)}\n` : formatReport(report));
    return report.aborted ? 130 : 0;
  } catch (err) {
    if (!(err instanceof SpokenEvalError)) throw err;
    io.stderr.write(`callguard eval: ${err.message}\n`);
    return abort.signal.aborted ? 130 : err.exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

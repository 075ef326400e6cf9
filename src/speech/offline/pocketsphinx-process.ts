/**
 * One pocketsphinx_continuous child per stream: raw 16 kHz s16le on stdin, timed words on stdout.
 *
 * Node's piped stdin is a socket, which pocketsphinx cannot open as /dev/stdin
 * (../shared/notes/offline-speech.md), so `cat` sits in between: `sh -c 'cat | exec …'`. The shell,
 * cat and pocketsphinx share a process group of their own (detached), and kill() signals the
 * whole group so no cat or decoder outlives us.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

export const POCKETSPHINX_BINARY = 'pocketsphinx_continuous';

export interface TimedWord {
  /** Lower-case, without the dictionary's variant mark ("to(2)" → "to"). */
  word: string;
  /** Seconds since the process's first sample. */
  start: number;
  end: number;
  /** Posterior probability of the word in the decoder's lattice, 0..1. */
  posterior: number;
}

/** One decoder utterance (ended by about 0.5 s of silence): its words in time order, fillers removed. */
export interface RawUtterance {
  words: TimedWord[];
}

const TIMED_LINE = /^(\S+)\s+(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)$/;
/** <s>, </s>, <sil>, [NOISE], ++GARBAGE++: not words. */
const FILLER = /^(?:<.*>|\[.*\]|\+\+.*\+\+)$/;

/**
 * `-time yes` output of continuous decoding: the utterance's hypothesis on one line, then one line
 * per word `word start end posterior`, from `<s>` to `</s>`.
 */
export class DecoderOutputParser {
  private pending: TimedWord[] = [];

  constructor(private readonly emit: (u: RawUtterance) => void) {}

  line(raw: string): void {
    const line = raw.trim();
    const m = TIMED_LINE.exec(line);
    if (!m) {
      // A hypothesis line (possibly empty) opens the next utterance.
      this.flush();
      return;
    }
    const token = m[1]!;
    if (token === '</s>') {
      this.flush();
      return;
    }
    if (FILLER.test(token)) return;
    this.pending.push({
      word: token.replace(/\(\d+\)$/, '').toLowerCase(),
      start: Number(m[2]),
      end: Number(m[3]),
      posterior: Math.min(1, Math.max(0, Number(m[4]))),
    });
  }

  /** Emits what is pending (an utterance whose word lines were cut short still counts). */
  flush(): void {
    const words = this.pending;
    this.pending = [];
    if (words.length > 0) this.emit({ words });
  }
}

export interface PocketsphinxProcessOptions {
  /** pocketsphinx_continuous arguments after `-infile /dev/stdin -logfn /dev/null -time yes`. */
  args: readonly string[];
  binary?: string;
  onUtterance(u: RawUtterance): void;
  onExit(code: number | null, signal: NodeJS.Signals | null): void;
  /** How long close() lets the decoder finish the audio already written. Default 1000 ms. */
  flushMs?: number;
  /** Grace between SIGTERM and SIGKILL. Default 500 ms. */
  graceMs?: number;
}

/**
 * 10 s of 16 kHz s16le queued in the process beyond what the pipes hold (~4 s here): the 10 s of
 * early frames a slow start may hand over at once (engine/recognizers.ts) fit whatever the pipes' size.
 */
const MAX_QUEUED_BYTES = 10 * 32_000;

export class PocketsphinxProcess {
  private readonly child: ChildProcessByStdio<Writable, Readable, null>;
  private readonly parser: DecoderOutputParser;
  private readonly exited: Promise<void>;
  private hasExited = false;
  private closing: Promise<void> | undefined;
  private buffered = '';

  constructor(private readonly opts: PocketsphinxProcessOptions) {
    const binary = opts.binary ?? POCKETSPHINX_BINARY;
    const args = ['-infile', '/dev/stdin', '-logfn', '/dev/null', '-time', 'yes', ...opts.args];
    this.child = spawn('sh', ['-c', 'cat | exec "$0" "$@"', binary, ...args], {
      stdio: ['pipe', 'pipe', 'ignore'],
      detached: true,
    });
    this.parser = new DecoderOutputParser(opts.onUtterance);
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => this.onData(chunk));
    // EPIPE after the decoder died: the exit handler restarts it.
    this.child.stdin.on('error', () => {});
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.hasExited = true;
        this.onData('\n');
        this.parser.flush();
        resolve();
        if (!this.closing) opts.onExit(code, signal);
      });
      this.child.once('error', () => {
        // spawn failure: 'exit' may not follow.
        if (this.hasExited) return;
        this.hasExited = true;
        resolve();
        if (!this.closing) opts.onExit(null, null);
      });
    });
  }

  /** The process group id (the shell's pid). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return !this.hasExited;
  }

  /**
   * Writes 16 kHz s16le audio. Returns false when it was dropped: the decoder is more than the
   * pipes plus MAX_QUEUED_BYTES behind, or the process is gone. The queue takes a burst (the audio
   * that arrived while the recognizer started) and a decoder slowed for a while by a busy machine.
   */
  write(pcm: Buffer): boolean {
    if (this.hasExited || this.closing || !this.child.stdin.writable) return false;
    if (this.child.stdin.writableLength >= MAX_QUEUED_BYTES) return false;
    this.child.stdin.write(pcm);
    return true;
  }

  /** Idempotent: ends stdin so the decoder finishes, then SIGTERM, then SIGKILL; awaits exit. */
  close(): Promise<void> {
    return (this.closing ??= this.doClose());
  }

  /** Signals the whole process group (shell, cat, decoder). */
  signal(sig: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined || this.hasExited) return;
    try {
      process.kill(-pid, sig);
    } catch {
      // ESRCH: already gone.
    }
  }

  private async doClose(): Promise<void> {
    this.child.stdin.end();
    if (await this.waitExit(this.opts.flushMs ?? 1000)) return;
    this.signal('SIGTERM');
    if (await this.waitExit(this.opts.graceMs ?? 500)) return;
    this.signal('SIGKILL');
    await this.exited;
  }

  private async waitExit(ms: number): Promise<boolean> {
    if (this.hasExited) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    try {
      return await Promise.race([this.exited.then(() => true), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    let nl: number;
    while ((nl = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, nl);
      this.buffered = this.buffered.slice(nl + 1);
      this.parser.line(line);
    }
  }
}

/**
 * A local stand-in for the Azure Speech service's WebSocket endpoint, speaking the wire protocol the
 * real Speech SDK uses (../shared/notes/azure-offline.md), so tests run the real SDK with no network.
 *
 * Wire format:
 * - text frames: header lines (`Path:`, `X-RequestId:`, …), a blank line, a JSON body;
 * - binary frames: 2-byte big-endian header length, ASCII headers, payload. The first audio message
 *   of a turn is a 44-byte RIFF header; an empty audio payload ends the stream.
 * Every reply echoes the client's current X-RequestId, or the SDK silently drops it.
 *
 * Scripts are per connection and audio-time based: a step fires once the connection has received
 * `atMs` of audio on the stream's timeline (ms since the push stream's first byte, as the SDK counts
 * offsets), so tests can feed audio faster than real time and still get deterministic results.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';

export const RECOGNITION_PATH = '/speech/recognition/conversation/cognitiveservices/v1';

export type FakeSpeechStep =
  /** Hypotheses (partials) then a final `speech.phrase`, sent once the phrase's end has been heard. */
  | {
      kind: 'phrase';
      text: string;
      /** Stream timeline, ms. */
      offsetMs: number;
      durationMs: number;
      /** Partials sent before the final; default one, with the first word. */
      hypotheses?: string[];
      /** Adds a detailed NBest with this confidence. */
      confidence?: number;
    }
  /** The service ends the turn (`speech.endDetected` + `turn.end`) at this point of the stream. */
  | { kind: 'end-turn'; atMs: number }
  /** The server kills the socket (no close frame) at this point of the stream. */
  | { kind: 'drop'; atMs: number };

export interface FakeAzureSpeechOptions {
  /** Script for the n-th accepted connection (0-based); nothing scripted when absent. */
  script?: (connectionIndex: number) => FakeSpeechStep[];
  /** Reject the handshake of these connection indexes with this HTTP status. */
  rejectConnections?: (connectionIndex: number) => number | undefined;
}

export interface FakeHandshake {
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
}

export interface FakeTextMessage {
  path: string;
  requestId: string;
  body: unknown;
}

export interface FakeConnection {
  index: number;
  handshake: FakeHandshake;
  /** Text messages received, in order (speech.config, speech.context, telemetry, …). */
  messages: FakeTextMessage[];
  /** Audio payload bytes received (RIFF headers excluded). */
  audioBytes: number;
  sampleRate: number;
  open: boolean;
}

const TICKS_PER_MS = 10_000;

export class FakeAzureSpeech {
  readonly connections: FakeConnection[] = [];
  /** Final phrases sent, over all connections. */
  phrasesSent = 0;
  hypothesesSent = 0;
  private readonly wss: WebSocketServer;
  private readonly sockets = new Set<WebSocket>();
  private accepted = 0;

  private constructor(
    wss: WebSocketServer,
    private readonly opts: FakeAzureSpeechOptions,
  ) {
    this.wss = wss;
  }

  static async start(opts: FakeAzureSpeechOptions = {}): Promise<FakeAzureSpeech> {
    let fake: FakeAzureSpeech | undefined;
    const wss = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      verifyClient: (info, cb) => {
        const url = new URL(info.req.url ?? '/', 'ws://localhost');
        if (url.pathname !== RECOGNITION_PATH) return cb(false, 404);
        const status = fake?.opts.rejectConnections?.(fake.accepted);
        if (status !== undefined) {
          fake!.accepted++;
          return cb(false, status);
        }
        cb(true);
      },
    });
    fake = new FakeAzureSpeech(wss, opts);
    wss.on('connection', (ws, req) => fake!.onConnection(ws, req.url ?? '/', req.headers));
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
    return fake;
  }

  get port(): number {
    return (this.wss.address() as AddressInfo).port;
  }

  /** The endpoint to give the adapter: always with the recognition path. */
  get endpoint(): string {
    return `ws://127.0.0.1:${this.port}${RECOGNITION_PATH}`;
  }

  get openConnections(): number {
    return this.sockets.size;
  }

  get totalAudioBytes(): number {
    return this.connections.reduce((n, c) => n + c.audioBytes, 0);
  }

  /** Text messages with this path over all connections. */
  messages(path: string): FakeTextMessage[] {
    return this.connections.flatMap((c) => c.messages.filter((m) => m.path === path));
  }

  /** Resolves once no socket is open (or rejects after timeoutMs). */
  async waitForNoConnections(timeoutMs = 3000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.sockets.size > 0) {
      if (Date.now() > until) throw new Error(`${this.sockets.size} connection(s) still open`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private onConnection(ws: WebSocket, rawUrl: string, headers: IncomingHttpHeaders): void {
    const url = new URL(rawUrl, 'ws://localhost');
    const conn: FakeConnection = {
      index: this.accepted++,
      handshake: { path: url.pathname, query: Object.fromEntries(url.searchParams), headers },
      messages: [],
      audioBytes: 0,
      sampleRate: 16000,
      open: true,
    };
    this.connections.push(conn);
    this.sockets.add(ws);
    const steps = [...(this.opts.script?.(conn.index) ?? [])];
    const state = { requestId: '', turnStartMs: 0, turnAudioMs: 0, inTurn: false, lastPhraseEndMs: 0 };

    const send = (path: string, body: unknown): void => {
      if (ws.readyState !== ws.OPEN) return;
      const head =
        `Path: ${path}\r\nX-RequestId: ${state.requestId}\r\n` +
        `X-Timestamp: ${new Date().toISOString()}\r\nContent-Type: application/json; charset=utf-8\r\n\r\n`;
      ws.send(head + JSON.stringify(body));
    };
    const streamMs = (): number => state.turnStartMs + state.turnAudioMs;
    const toTurnTicks = (ms: number): number => Math.max(0, Math.round((ms - state.turnStartMs) * TICKS_PER_MS));

    const endTurn = (): void => {
      if (!state.inTurn) return;
      send('speech.endDetected', { Offset: toTurnTicks(streamMs()) });
      send('turn.end', {});
      state.inTurn = false;
    };

    const runSteps = (): void => {
      while (steps.length > 0 && state.inTurn) {
        const step = steps[0]!;
        const due = step.kind === 'phrase' ? step.offsetMs + step.durationMs : step.atMs;
        if (streamMs() < due) return;
        steps.shift();
        if (step.kind === 'phrase') {
          const offset = toTurnTicks(step.offsetMs);
          const duration = Math.round(step.durationMs * TICKS_PER_MS);
          send('speech.startDetected', { Offset: offset });
          const hyps = step.hypotheses ?? [step.text.split(' ')[0] ?? step.text];
          for (const text of hyps) {
            send('speech.hypothesis', { Text: text, Offset: offset, Duration: duration });
            this.hypothesesSent++;
          }
          const phrase: Record<string, unknown> = {
            RecognitionStatus: 'Success',
            DisplayText: step.text,
            Offset: offset,
            Duration: duration,
          };
          // With format=detailed the SDK reads the text from NBest[0] (and drops the phrase without it).
          if (step.confidence !== undefined || conn.handshake.query['format'] === 'detailed') {
            phrase.NBest = [
              {
                Confidence: step.confidence ?? 0.9,
                Lexical: step.text.toLowerCase(),
                ITN: step.text.toLowerCase(),
                MaskedITN: step.text.toLowerCase(),
                Display: step.text,
              },
            ];
          }
          send('speech.phrase', phrase);
          this.phrasesSent++;
          state.lastPhraseEndMs = step.offsetMs + step.durationMs;
        } else if (step.kind === 'end-turn') {
          endTurn();
        } else {
          // Let the replies already queued reach the client, then kill the socket without a close frame.
          steps.length = 0;
          state.inTurn = false;
          setTimeout(() => ws.terminate(), 30);
          return;
        }
      }
    };

    ws.on('message', (data: RawData, isBinary: boolean) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      if (!isBinary) {
        const text = buf.toString('utf8');
        const sep = text.indexOf('\r\n\r\n');
        const headers = parseHeaders(sep >= 0 ? text.slice(0, sep) : text);
        const bodyText = sep >= 0 ? text.slice(sep + 4) : '';
        let body: unknown = bodyText;
        try {
          body = bodyText ? JSON.parse(bodyText) : undefined;
        } catch {
          /* keep raw text */
        }
        const path = headers['path'] ?? '';
        const requestId = headers['x-requestid'] ?? '';
        conn.messages.push({ path, requestId, body });
        if (path === 'speech.config') {
          const rate = (body as { context?: { audio?: { source?: { samplerate?: number } } } })?.context?.audio
            ?.source?.samplerate;
          if (typeof rate === 'number') conn.sampleRate = rate;
        }
        if (requestId) state.requestId = requestId;
        return;
      }
      const headerLen = buf.readUInt16BE(0);
      const headers = parseHeaders(buf.subarray(2, 2 + headerLen).toString('ascii'));
      const payload = buf.subarray(2 + headerLen);
      if ((headers['path'] ?? '') !== 'audio') return;
      const requestId = headers['x-requestid'] ?? state.requestId;
      if (payload.length === 0) {
        // End of stream: the client has no more audio for this turn.
        endTurn();
        return;
      }
      if (!state.inTurn || requestId !== state.requestId) {
        // A new turn: the SDK replays audio from the end of the last recognized phrase.
        state.requestId = requestId;
        state.turnStartMs = state.lastPhraseEndMs;
        state.turnAudioMs = 0;
        state.inTurn = true;
        send('turn.start', { context: { serviceTag: randomUUID().replace(/-/g, '') } });
      }
      let audio = payload;
      if (isRiff(payload)) {
        conn.sampleRate = payload.readUInt32LE(24);
        audio = payload.subarray(44);
      }
      conn.audioBytes += audio.length;
      state.turnAudioMs += (audio.length / 2 / conn.sampleRate) * 1000;
      runSteps();
    });
    ws.on('close', () => {
      conn.open = false;
      this.sockets.delete(ws);
    });
    ws.on('error', () => {
      /* a dropped client is expected in these tests */
    });
  }
}

function parseHeaders(block: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of block.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

function isRiff(b: Buffer): boolean {
  return b.length >= 44 && b.toString('ascii', 0, 4) === 'RIFF' && b.toString('ascii', 8, 12) === 'WAVE';
}

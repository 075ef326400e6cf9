/**
 * `callguard simulate` flags: defaults from the local configuration, and every bad flag is a usage
 * error (exit 2) rather than an exception.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CALLER, FALLBACK_SUBSCRIBER, parseSimulateArgs, parseTarget } from '../../../src/simulate/simulate-args.js';
import { defaultDuration } from '../../../src/simulate/duration.js';

const env = { CALLGUARD_SIP_PORT: '5070', CALLGUARD_SUBSCRIBERS: '2125550177, +14155550100' };

function ok(argv: string[], e: Record<string, string> = env) {
  const r = parseSimulateArgs(argv, e);
  if (!r.ok) throw r.error;
  if (r.help) throw new Error('unexpected help');
  return r;
}

function usageError(argv: string[], e: Record<string, string> = env): string {
  const r = parseSimulateArgs(argv, e);
  if (r.ok) throw new Error(`expected an error for ${argv.join(' ')}`);
  expect(r.error.exitCode).toBe(2);
  return r.error.message;
}

describe('parseSimulateArgs defaults', () => {
  it('targets 127.0.0.1 on CALLGUARD_SIP_PORT, as the first configured subscriber, PCMU over UDP', () => {
    const { options, json } = ok([]);
    expect(options).toEqual({
      target: { host: '127.0.0.1', port: 5070 },
      transport: 'udp',
      caller: DEFAULT_CALLER,
      subscriber: '+12125550177',
      codec: 'pcmu',
    });
    expect(json).toBe(false);
  });

  it('falls back to the e2e subscriber when none is configured', () => {
    expect(ok([], {}).options.subscriber).toBe(FALLBACK_SUBSCRIBER);
    expect(ok([], {}).options.target.port).toBe(5060);
  });

  it('reads every flag', () => {
    const { options, json } = ok([
      '--target', 'sbc.example:5080', '--transport', 'tcp', '--caller', '+442071838750', '--subscriber', '(303) 555-0199',
      '--codec', 'G722', '--caller-audio', 'a.wav', '--say-subscriber', 'hello there', '--hold-at', '1.5', '--resume-at', '3',
      '--duration', '10', '--session-expires', '120', '--refresh', '20', '--json',
    ]);
    expect(json).toBe(true);
    expect(options).toEqual({
      target: { host: 'sbc.example', port: 5080 },
      transport: 'tcp',
      caller: '+442071838750',
      subscriber: '+13035550199',
      codec: 'g722',
      callerAudio: { kind: 'file', path: 'a.wav' },
      subscriberAudio: { kind: 'say', text: 'hello there' },
      holdAt: 1.5,
      resumeAt: 3,
      duration: 10,
      sessionExpires: 120,
      refresh: 20,
    });
  });

  it('does not read a broken configuration when the flags say everything', () => {
    const broken = { CALLGUARD_SIP_PORT: 'seventy' };
    expect(ok(['--target', '10.0.0.1:5060', '--subscriber', '+12125550123'], broken).options.target.port).toBe(5060);
    expect(usageError([], broken)).toMatch(/CALLGUARD_SIP_PORT/);
  });

  it('answers --help', () => {
    expect(parseSimulateArgs(['--help'], env)).toEqual({ ok: true, help: true });
  });
});

describe('parseSimulateArgs errors', () => {
  it.each([
    [['--frobnicate'], /Unknown option/],
    [['stray'], /positional/i],
    [['--target'], /argument missing/],
    [['--transport', 'sctp'], /udp or tcp/],
    [['--codec', 'opus'], /pcmu, pcma or g722/],
    [['--target', 'host:99999'], /valid port/],
    [['--target', 'bad host:5060'], /HOST:PORT/],
    [['--caller', 'not-a-number'], /--caller is not a phone number/],
    [['--caller', '+12125550177'], /different numbers/],
    [['--resume-at', '2'], /needs --hold-at/],
    [['--hold-at', '2', '--resume-at', '1'], /later than --hold-at/],
    [['--hold-at', '5', '--duration', '3'], /before the end/],
    [['--duration', '0'], /more than 0/],
    [['--duration=-1'], /number of seconds/],
    [['--refresh', 'soon'], /number of seconds/],
    [['--session-expires', '1.5'], /whole number/],
    [['--caller-audio', 'a.wav', '--say-caller', 'hi'], /not both/],
    [['--say-subscriber', '  '], /needs some text/],
  ])('%j → usage error', (argv, message) => {
    expect(usageError(argv)).toMatch(message);
  });

  it('simulateCommand prints the message and the usage on stderr and returns 2', async () => {
    // Imported here: the command pulls in the audio and codec modules, which these tests do not need.
    const { simulateCommand } = await import('../../../src/simulate/index.js');
    let err = '';
    let out = '';
    const code = await simulateCommand(['--codec', 'opus'], {
      stdout: { write: (s: string) => ((out += s), true) } as NodeJS.WritableStream,
      stderr: { write: (s: string) => ((err += s), true) } as NodeJS.WritableStream,
      env,
    });
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/--codec must be/);
    expect(err).toMatch(/usage: callguard simulate/);
  });
});

describe('parseTarget', () => {
  it.each([
    ['127.0.0.1:5080', { host: '127.0.0.1', port: 5080 }],
    ['[::1]:5080', { host: '::1', port: 5080 }],
    ['[::1]', { host: '::1', port: 5060 }],
    ['::1', { host: '::1', port: 5060 }],
    ['callguard.local', { host: 'callguard.local', port: 5060 }],
  ])('%s', (raw, expected) => {
    expect(parseTarget(raw, () => 5060)).toEqual(expected);
  });
});

describe('defaultDuration', () => {
  it('is the longest audio plus a 0.5 s tail', () => {
    expect(defaultDuration(2)).toBe(2.5);
  });
  it('adds the time held when the hold falls inside the audio (audio pauses while held)', () => {
    expect(defaultDuration(2, 0.5, 1)).toBe(3);
  });
  it('does not add a hold that starts after the audio ended', () => {
    expect(defaultDuration(2, 2.2, 2.6)).toBeCloseTo(3.1);
  });
  it('ends half a second after a hold that is never resumed', () => {
    expect(defaultDuration(2, 1)).toBe(1.5);
  });
  it('is 3 s of silence with no audio, longer if a hold or resume comes later', () => {
    expect(defaultDuration(0)).toBe(3);
    expect(defaultDuration(0, 2, 4)).toBe(4.5);
  });
});

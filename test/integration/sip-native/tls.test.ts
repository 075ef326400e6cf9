/**
 * SIP over TLS (RFC 3261 §26.2, RFC 5630) against NativeSessionServer with a real node:tls
 * client: OPTIONS, a full SIPREC call, our BYE over the SRC's connection, limits on the stream,
 * and a clean close. The certificate is made per run with openssl (self-signed, SAN 127.0.0.1),
 * so the client verifies it instead of switching verification off.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { NativeServerError } from '../../../src/sip/native/errors.js';
import { NativeSessionServer, type NativeSessionServerOptions } from '../../../src/sip/native/native-session-server.js';
import { requireBinary } from '../../support/binaries.js';
import {
  ackFor,
  ANSWER_SDP,
  rand,
  RecordingHandler,
  sipRequest,
  sipResponseTo,
  tagOf,
  TlsUac,
  uriOf,
  type RequestSpec,
} from './scripted-uac.js';
import { useTestServers } from './test-server.js';

const hasOpenssl = requireBinary('openssl', 'openssl');
const SIPREC_BODY = readFileSync(fileURLToPath(new URL('../../fixtures/siprec/rfc7865-two-party.body', import.meta.url)));
const SIPREC_TYPE = 'multipart/mixed;boundary=callguard-7865';

describe.skipIf(!hasOpenssl)('SIP over TLS', () => {
  let dir = '';
  let cert = '';
  let key = '';
  const servers = useTestServers();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'callguard-tls-'));
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1', '-keyout', keyFile, '-out', certFile],
      { stdio: 'ignore' },
    );
    cert = readFileSync(certFile, 'utf8');
    key = readFileSync(keyFile, 'utf8');
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A TLS client trusting the per-run certificate, closed after the test. */
  async function tlsUac(tlsPort: number): Promise<TlsUac> {
    const uac = await TlsUac.connect(tlsPort, cert);
    servers.closeAfter(() => uac.close());
    return uac;
  }

  async function setup(opts: Partial<NativeSessionServerOptions> = {}) {
    const { server, handler } = await servers.server({
      tls: { port: 0, cert, key },
      timers: { t1: 50, t2: 400, t4: 500 },
      closeTimeoutMs: 200,
      userAgent: 'callguard-test',
      ...opts,
    });
    const tlsPort = server.address().tls ?? 0;
    const uac = await tlsUac(tlsPort);
    return { server, handler, uac, tlsPort };
  }

  function invite(uac: TlsUac, extra: Partial<RequestSpec> = {}): RequestSpec {
    return {
      method: 'INVITE',
      uac,
      callId: `tls-${rand()}`,
      fromTag: rand(),
      branch: `z9hG4bK${rand()}`,
      extra: ['Require: siprec', 'Supported: timer'],
      body: SIPREC_BODY,
      contentType: SIPREC_TYPE,
      ...extra,
    };
  }

  it('binds TLS on its own port, reported by address()', async () => {
    const { server, tlsPort } = await setup();
    const { udp, tcp, tls } = server.address();
    expect(tls).toBe(tlsPort);
    expect(tls).toBeGreaterThan(0);
    expect(tls).not.toBe(udp);
    expect(udp).toBe(tcp);
  });

  it('OPTIONS → 200 over the same connection, Via TLS echoed', async () => {
    const { uac } = await setup();
    uac.send(sipRequest({ method: 'OPTIONS', uac, callId: `o-${rand()}`, fromTag: rand() }));
    const res = await uac.response(200, 'OPTIONS');
    expect(res.header('via')).toMatch(new RegExp(`^SIP/2\\.0/TLS 127\\.0\\.0\\.1:${uac.port};branch=z9hG4bK`));
    expect(res.header('allow')).toContain('INVITE');
  });

  it('SIPREC INVITE → 100 + 200 (Contact transport=tls) → ACK → BYE → 200, ended(bye)', async () => {
    const { server, handler, uac, tlsPort } = await setup();
    const inv = invite(uac);
    uac.send(sipRequest(inv));
    await uac.response(100, 'INVITE');
    const ok = await uac.response(200, 'INVITE');
    expect(ok.header('via')).toMatch(/^SIP\/2\.0\/TLS /);
    expect(ok.header('contact')).toBe(`<sip:127.0.0.1:${tlsPort};transport=tls>;+sip.srs`);
    expect(ok.header('content-type')).toBe('application/sdp');
    expect(ok.body.toString()).toBe(ANSWER_SDP);

    const offered = handler.offers[0];
    expect(offered?.session.source).toEqual({ address: '127.0.0.1', port: uac.port, transport: 'tls' });
    expect(offered?.body.contentType).toBe(SIPREC_TYPE);
    expect(offered?.body.raw.equals(SIPREC_BODY)).toBe(true);

    uac.send(ackFor(inv, ok, false));
    const toTag = tagOf(ok.header('to'));
    uac.send(sipRequest({ method: 'BYE', uac, callId: inv.callId, fromTag: inv.fromTag, toTag, cseq: 2 }));
    const byeOk = await uac.response(200, 'BYE');
    expect(byeOk.header('via')).toMatch(/^SIP\/2\.0\/TLS /);
    await handler.waitEnded(1);
    expect(handler.endings).toEqual([{ id: offered?.session.id, reason: 'bye' }]);
    expect(server.stats().dialogs).toBe(0);
  });

  it('hangup(): our BYE comes over the TLS connection the INVITE arrived on', async () => {
    const { server, handler, uac, tlsPort } = await setup();
    const inv = invite(uac);
    uac.send(sipRequest(inv));
    const ok = await uac.response(200, 'INVITE');
    uac.send(ackFor(inv, ok, false));
    // The ACK confirms the dialog; BYE waits for it (RFC 3261 §15), so wait until it is processed.
    await new Promise((r) => setTimeout(r, 50));

    const id = handler.offers[0]?.session.id ?? '';
    const hangup = server.hangup(id, 'hangup');
    const bye = await uac.request('BYE');
    expect(bye.startLine).toBe(`BYE sip:src@127.0.0.1:${uac.port};transport=tls SIP/2.0`);
    expect(bye.header('via')).toMatch(new RegExp(`^SIP/2\\.0/TLS 127\\.0\\.0\\.1:${tlsPort};branch=z9hG4bK`));
    expect(uriOf(bye.header('from'))).toBe('sip:srs@127.0.0.1');
    expect(tagOf(bye.header('to'))).toBe(inv.fromTag);
    uac.send(sipResponseTo(bye, 200, 'OK'));
    await hangup;
    expect(handler.endings).toEqual([{ id, reason: 'hangup' }]);
    expect(server.stats().dialogs).toBe(0);
    expect(uac.socket.destroyed).toBe(false);
  });

  it('hangup() after the SRC dropped its connection: no crash, the session is released', async () => {
    const { server, handler, uac } = await setup();
    const inv = invite(uac);
    uac.send(sipRequest(inv));
    const ok = await uac.response(200, 'INVITE');
    uac.send(ackFor(inv, ok, false));
    await new Promise((r) => setTimeout(r, 50));
    await uac.close();
    // Nobody listens at the Contact's port: the new TLS connection fails and the BYE with it.
    await server.hangup(handler.offers[0]?.session.id ?? '', 'hangup');
    expect(server.stats().dialogs).toBe(0);
  });

  it('Content-Length over maxBodyBytes → 413, then the server closes the connection', async () => {
    const { server, uac } = await setup();
    // Only the header section: the server must answer without waiting for the 40,000 bytes.
    uac.send(sipRequest(invite(uac, { body: undefined, noContentLength: true, extra: ['Content-Type: application/sdp', 'Content-Length: 40000'] })));
    const res = await uac.response(413, 'INVITE');
    expect(res.startLine).toBe('SIP/2.0 413 Request Entity Too Large');
    await uac.ended();
    expect(server.stats().rejected['body-too-large']).toBe(1);
  });

  it('garbage that is not SIP: connection closed, server still answers others', async () => {
    const { server, tlsPort } = await setup();
    const junk = await tlsUac(tlsPort);
    junk.send(`${'x'.repeat(70_000)}\r\n`);
    await junk.ended();
    const other = await tlsUac(tlsPort);
    other.send(sipRequest({ method: 'OPTIONS', uac: other, callId: `o-${rand()}`, fromTag: rand() }));
    await other.response(200, 'OPTIONS');
    expect(server.stats().rejected['message-too-large']).toBe(1);
  });

  it('close() ends a connection still in its handshake; no socket left', async () => {
    const server = new NativeSessionServer({ host: '127.0.0.1', port: 0, transports: [], tls: { port: 0, cert, key }, logger: silentLogger() });
    await server.listen(new RecordingHandler());
    expect(server.address()).toEqual({ tls: server.address().tls });
    // A TCP connection that never starts TLS: server.close() alone would wait for it.
    const raw = net.connect({ host: '127.0.0.1', port: server.address().tls ?? 0 });
    raw.on('error', () => undefined);
    await new Promise<void>((resolve) => raw.once('connect', () => resolve()));
    await new Promise((r) => setTimeout(r, 20));
    await server.close();
    expect(server.openSockets).toBe(0);
    raw.destroy();
  });

  it('a refused source gets no TLS handshake: closed at accept, counted once, nothing left open', async () => {
    const { server, handler } = await servers.server({ transports: [], tls: { port: 0, cert, key }, allowSource: () => false });
    const socket = tls.connect({ host: '127.0.0.1', port: server.address().tls ?? 0, ca: cert });
    servers.closeAfter(async () => {
      socket.destroy();
    });
    const outcome = await new Promise<string>((resolve) => {
      socket.once('secureConnect', () => resolve('handshake'));
      socket.once('error', () => resolve('error'));
      socket.once('close', () => resolve('closed'));
    });
    expect(outcome).not.toBe('handshake');
    expect(server.stats().rejected['source-not-allowed']).toBe(1);
    expect(handler.offers).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 20));
    expect(server.openSockets).toBe(1);
  });

  it('an idle TLS connection without a dialog is closed after connectionIdleTimeoutMs', async () => {
    const { uac } = await setup({ connectionIdleTimeoutMs: 150 });
    uac.send(sipRequest({ method: 'OPTIONS', uac, callId: `o-${rand()}`, fromTag: rand() }));
    await uac.response(200, 'OPTIONS');
    await Promise.race([
      uac.ended(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('TLS connection still open')), 2000)),
    ]);
  });

  it('a key that does not match the certificate fails listen() with SIP_TLS_INVALID', async () => {
    const other = join(dir, 'other-key.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', other], { stdio: 'ignore' });
    const server = new NativeSessionServer({
      host: '127.0.0.1',
      port: 0,
      transports: ['udp'],
      tls: { port: 0, cert, key: readFileSync(other) },
      logger: silentLogger(),
    });
    const err = await server.listen(new RecordingHandler()).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NativeServerError);
    expect((err as NativeServerError).code).toBe('SIP_TLS_INVALID');
    expect(server.openSockets).toBe(0);
    await server.close();
  });
});

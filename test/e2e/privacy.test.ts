/**
 * Privacy is a feature: a whole recording, logged at trace level, leaves no full number and no
 * body content in the logs.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type RunningNode } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { requireBinary } from '../support/binaries.js';
import { explain, runSipp } from './support.js';

const haveSipp = requireBinary('sipp', 'sip-tester');

describe.skipIf(!haveSipp)('logs', () => {
  let node: RunningNode;
  let logged = '';
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        logged += chunk.toString();
        cb();
      },
    });
    const config = loadConfig({
      CALLGUARD_SIP_PORT: '0',
      CALLGUARD_HTTP_PORT: '0',
      CALLGUARD_RTP_PORTS: '46000-46199',
      CALLGUARD_SUBSCRIBERS: '+12125550123',
      CALLGUARD_SMS: `file:${join(tmpdir(), `callguard-privacy-sms-${process.pid}.jsonl`)}`,
      CALLGUARD_AUTH: 'off',
    });
    node = await startNode(config, createLogger({ level: 'trace', destination: sink }));
  });
  afterAll(async () => {
    await node?.close();
  });

  it('carry masked numbers only, and no SDP or metadata, even at trace level', async () => {
    const run = await runSipp({ scenario: 'uac-siprec-full-dialog.xml', port: node.addresses.sipUdp! });
    expect(run.code, explain(run)).toBe(0);
    await new Promise((r) => setTimeout(r, 100));
    expect(logged).toContain('recording started');
    expect(logged).toContain('recording ended');
    for (const secret of ['2125550123', '3035551000', '4155550100', 'rs-metadata', '<recording', 'm=audio', 'a=label']) {
      expect(logged, `log contains "${secret}"`).not.toContain(secret);
    }
    expect(logged).toMatch(/\+12\*+23/);
  });
});

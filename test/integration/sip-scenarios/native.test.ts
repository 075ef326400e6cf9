/**
 * The shared SIPREC scenarios (scenarios.ts) through NativeSessionServer over real UDP, with a
 * real Engine answering. test/integration/sip-drachtio/scenarios.test.ts runs the same table
 * through DrachtioSessionServer.
 */
import { afterEach, describe, it } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { NativeSessionServer } from '../../../src/sip/native/native-session-server.js';
import { sipResponseTo, UdpUac } from '../sip-native/scripted-uac.js';
import { buildEngineRig, runScenario, type SrcLink } from './scenario-runner.js';
import { SCENARIOS } from './scenarios.js';

describe('SIPREC scenarios through the native stack', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });

  it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', async (_name, scenario) => {
    const server = new NativeSessionServer({
      host: '127.0.0.1',
      port: 0,
      transports: ['udp'],
      logger: silentLogger(),
      timers: { t1: 50, t2: 400, t4: 500 },
      closeTimeoutMs: 200,
    });
    const rig = await buildEngineRig(server);
    // engine.close() closes the server too.
    closers.push(() => rig.engine.close());
    await server.listen(rig.tracer);
    const uac = await UdpUac.open(server.address().udp ?? 0);
    closers.push(() => uac.close());
    const link: SrcLink = {
      uac,
      send: (data) => uac.send(data),
      response: (status, method, timeoutMs) => uac.response(status, method, timeoutMs),
      request: (method, timeoutMs) => uac.request(method, timeoutMs),
      reply: (req, status) => uac.send(sipResponseTo(req as Parameters<typeof sipResponseTo>[0], status, status === 200 ? 'OK' : 'Error')),
    };
    await runScenario(scenario, link, rig);
  });
});

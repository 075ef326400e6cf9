/**
 * The shared SIPREC scenarios (test/integration/sip-scenarios/scenarios.ts) through
 * DrachtioSessionServer connected to a fake drachtio-server, with a real Engine answering: the
 * same table, the same handler trace and actor states as through the native stack.
 */
import { afterEach, describe, it } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { DrachtioSessionServer } from '../../../src/sip/drachtio/index.js';
import { FakeDrachtioServer, type NetMessage } from '../../support/fake-drachtio-server.js';
import { buildEngineRig, runScenario, type SrcLink } from '../sip-scenarios/scenario-runner.js';
import { SCENARIOS } from '../sip-scenarios/scenarios.js';

const SECRET = 'scenario-secret';

describe('SIPREC scenarios through drachtio-srf', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });

  it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', async (_name, scenario) => {
    const fake = await FakeDrachtioServer.start({ secret: SECRET });
    closers.push(() => fake.close());
    const server = new DrachtioSessionServer({ host: '127.0.0.1', port: fake.port, secret: SECRET, logger: silentLogger(), closeTimeoutMs: 200 });
    const rig = await buildEngineRig(server);
    // engine.close() closes the server too.
    closers.push(() => rig.engine.close());
    await server.listen(rig.tracer);
    await fake.ready();
    const link: SrcLink = {
      // The SRC's address as its Via names it; the fake delivers to drachtio-srf from there.
      uac: { transport: 'udp', port: 5070 },
      send: (data) => fake.send(data),
      response: (status, method, timeoutMs) => fake.response(status, method, timeoutMs),
      request: (method, timeoutMs) => fake.request(method, timeoutMs),
      reply: (req, status) => fake.replyToApp(req as NetMessage, status),
    };
    await runScenario(scenario, link, rig);
  });
});

// callguard's native SIP stack alone (dist/, built by the bench): RFC 3261 transactions, dialogs,
// 100 Trying, session timers, 2xx retransmission until ACK — and a handler that answers every offer
// with a fixed SDP at once: no SIPREC parsing, no call actor, no media. What the stack costs a call.
// Usage: node bench/bounds/stack-uas.mjs PORT
import { pino } from 'pino';
import { NativeSessionServer } from '../../dist/src/sip/native/index.js';
import { ANSWER_SDP as sdp } from './answer-sdp.mjs';

const port = Number(process.argv[2]);
const server = new NativeSessionServer({ host: '127.0.0.1', port, transports: ['udp'], logger: pino({ level: 'warn' }), maxPendingOffers: 5000 });
await server.listen({
  offer: async () => ({ ok: true, sdp }),
  reoffer: async () => ({ ok: true, sdp }),
  ended: () => undefined,
});

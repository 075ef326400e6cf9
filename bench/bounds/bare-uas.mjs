// The least a Node.js UAS can do for uac-call-bye.xml, like sipp's own UAS: one UDP socket, the head
// split into lines, Via/From/To/Call-ID/CSeq copied into a 200 (with a 2-m-line SDP) and the BYE's 200.
// No transactions, no 100 Trying, no SIPREC: the floor under any Node.js SIP stack on this machine.
// Usage: node bench/bounds/bare-uas.mjs PORT
import dgram from 'node:dgram';
import { ANSWER_SDP as sdp } from './answer-sdp.mjs';

const port = Number(process.argv[2]);
const copied = new Set(['via', 'from', 'call-id', 'cseq']);
const socket = dgram.createSocket('udp4');
let tags = 0;
socket.on('message', (buf, from) => {
  const text = buf.toString('latin1');
  const lines = text.slice(0, text.indexOf('\r\n\r\n')).split('\r\n');
  const method = lines[0].slice(0, lines[0].indexOf(' '));
  if (method === 'ACK') return;
  const keep = [];
  let to = '';
  for (const line of lines.slice(1)) {
    const name = line.slice(0, line.indexOf(':')).toLowerCase();
    if (copied.has(name)) keep.push(line);
    else if (name === 'to') to = line;
  }
  const head = `SIP/2.0 200 OK\r\n${keep.join('\r\n')}\r\n`;
  const out =
    method === 'INVITE'
      ? `${head}${to};tag=t${++tags}\r\nContact: <sip:srs@127.0.0.1:${port}>\r\nRequire: siprec\r\nContent-Type: application/sdp\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`
      : `${head}${to}\r\nContent-Length: 0\r\n\r\n`;
  socket.send(Buffer.from(out, 'latin1'), from.port, from.address);
});
socket.bind(port, '127.0.0.1');

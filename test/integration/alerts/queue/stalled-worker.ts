/**
 * A worker node in a child process for the "killed mid-send" test: its sender notes the claim in a
 * file, then blocks forever before sending, so the parent can SIGKILL it with the send claimed.
 * Run: node --import tsx stalled-worker.ts <redisUrl> <keyPrefix> <logFile>
 */
import { appendFileSync } from 'node:fs';
import { BullmqAlertQueue } from '../../../../src/alerts/queue/bullmq-alert-queue.js';
import { silentLogger } from '../../../../src/log.js';

const [redisUrl, keyPrefix, logFile] = process.argv.slice(2);
if (!redisUrl || !keyPrefix || !logFile) {
  console.error('usage: stalled-worker.ts <redisUrl> <keyPrefix> <logFile>');
  process.exit(2);
}

const queue = new BullmqAlertQueue({
  redisUrl,
  keyPrefix,
  nodeId: 'child',
  logger: silentLogger(),
  lockDurationMs: 1_000,
  stalledIntervalMs: 500,
  sender: async (job) => {
    appendFileSync(logFile, `claimed ${job.id}\n`);
    await new Promise(() => undefined);
    // Never reached: a real send would be recorded here.
    appendFileSync(logFile, `sent ${job.id}\n`);
    return { messageIds: [`child-${job.id}`], segments: 1 };
  },
});
await queue.ready();
process.stdout.write('ready\n');

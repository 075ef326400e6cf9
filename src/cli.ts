#!/usr/bin/env node
/**
 * The `callguard` command. `serve` runs a node; more subcommands (simulate, eval, …) join with
 * their issues. Exit codes: 0 ok, 1 runtime failure, 2 bad usage or configuration.
 */
import { parseArgs } from 'node:util';
import { startNode } from './app.js';
import { ConfigError, loadConfig } from './config/index.js';
import { createLogger } from './log.js';
import { evalCommand } from './eval/eval-command.js';
import { simulateCommand } from './simulate/index.js';

const USAGE = `usage: callguard <command> [options]

commands:
  serve [--config FILE]   run a callguard node (SIPREC server + ops API)
  simulate [options]      place a recorded call against a callguard, as an SBC would
                          (callguard simulate --help for its options)
  eval --data FILE [--analyzer local|azure-openai|openai|chain] [--json]
                          replay labelled conversations through the call machine and
                          print precision, recall and when the alert fired
  eval --spoken --data FILE [options]
                          speak them instead, play each as a recorded call into a private
                          node with this environment's recognizer and analyzer, and count
                          the SMS sent during the calls (callguard eval --spoken --help)

Settings come from CALLGUARD_* environment variables and an optional JSON file
(see docs/configuration.md).`;

async function serve(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' } }, strict: true });
  let config;
  try {
    config = loadConfig(process.env, values.config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`callguard: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const logger = createLogger({ level: config.logLevel });
  const node = await startNode(config, logger);
  logger.info(
    {
      node: config.nodeId,
      sip: `${config.sip.host}:${node.addresses.sipUdp ?? node.addresses.sipTcp} (${config.sip.transports.join(',')})`,
      http: `${config.http.host}:${node.addresses.http}`,
      rtp: `${config.rtp.ports.min}-${config.rtp.ports.max}`,
      subscribers: config.subscribers.length,
    },
    'callguard ready',
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.info({ signal }, 'shutting down: ending recordings');
      const timer = setTimeout(() => {
        logger.warn('shutdown grace period over; exiting');
        resolve();
      }, config.shutdownGraceMs + 1000);
      timer.unref();
      node.close().then(resolve, (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(rest);
    case 'simulate':
      return simulateCommand(rest);
    case 'eval':
      return evalCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`callguard: unknown command "${command}"\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`callguard: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);

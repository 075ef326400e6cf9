/**
 * Rewrites the settings table in docs/configuration.md from src/config.ts SETTINGS
 * (`npm run docs:config`). A test fails when the two drift apart.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SETTINGS } from '../src/config.js';

const file = resolve(import.meta.dirname, '../docs/configuration.md');
const doc = readFileSync(file, 'utf8');
const header = '| setting | default | meaning |\n|---|---|---|\n';
const start = doc.indexOf(header);
if (start < 0) throw new Error('docs/configuration.md has no settings table');
let end = start + header.length;
while (doc.startsWith('| `', end)) end = doc.indexOf('\n', end) + 1;
const rows = Object.entries(SETTINGS)
  .map(([k, s]) => `| \`${k}\` | ${s.default === '' ? '(empty)' : `\`${s.default}\``} | ${s.doc} |\n`)
  .join('');
writeFileSync(file, doc.slice(0, start) + header + rows + doc.slice(end));

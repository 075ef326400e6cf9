/**
 * Rewrites the settings tables in docs/configuration.md, one per area, from src/config's one settings
 * table (`npm run docs:config`): everything between the two markers below. A test fails when the
 * two drift apart.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AREAS } from '../src/config/index.js';

const BEGIN = '<!-- settings: written by `npm run docs:config` from src/config/; edit there -->\n';
const END = '<!-- end of settings -->\n';

const file = resolve(import.meta.dirname, '../docs/configuration.md');
const doc = readFileSync(file, 'utf8');
const start = doc.indexOf(BEGIN);
const end = doc.indexOf(END, start);
if (start < 0 || end < 0) throw new Error('docs/configuration.md has no settings markers');
const tables = AREAS.map(({ title, settings }) => {
  const rows = Object.entries(settings)
    .map(([k, s]) => `| \`${k}\` | ${s.default === '' ? '(empty)' : `\`${s.default}\``} | ${s.doc} |\n`)
    .join('');
  return `## ${title}\n\n| setting | default | meaning |\n|---|---|---|\n${rows}`;
}).join('\n');
writeFileSync(file, doc.slice(0, start) + BEGIN + '\n' + tables + '\n' + doc.slice(end));

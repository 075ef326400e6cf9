/**
 * The tree's shape, checked on every run (issue 14): imports only run down the layers, the
 * transport libraries stay inside their adapters (DESIGN.md), machines stay pure, no file grows
 * past 500 lines.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Lowest first. A module may import its own folder and any folder on a lower line, never one on
 * its own line or above: a lower layer that needs a higher one's type owns that type instead.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['log'],
  ['siprec'],
  ['media', 'state'],
  ['config'],
  ['sip', 'analysis'],
  ['speech', 'alerts', 'simulate'],
  ['machines'],
  ['engine'],
  ['ops', 'metrics'],
  ['cluster'],
  ['app'],
  ['eval'],
  ['cli'],
];

/**
 * Libraries that only their adapters may import (DESIGN.md). The Redis alert queue and its store
 * sit with the other queues, so ioredis has two homes.
 */
const ADAPTER_ONLY: Readonly<Record<string, RegExp>> = {
  'drachtio-srf': /^src\/sip\/drachtio\//,
  'microsoft-cognitiveservices-speech-sdk': /^src\/speech\/azure\//,
  ioredis: /^src\/state\/redis\/|^src\/alerts\/queue\/(bullmq|redis)-/,
};

function tsFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** The layer folder of a repo path: `src/sip/native/x.ts` → sip, `src/app.ts` → app. */
function folderOf(path: string): string {
  const parts = path.split('/');
  if (parts[0] === 'machines') return 'machines';
  return parts[1]!.replace(/\.[jt]s$/, '');
}

const rank = new Map(LAYERS.flatMap((line, i) => line.map((folder) => [folder, i] as const)));
const FILES = [...tsFiles('src'), ...tsFiles('machines')];
const importsOf = (file: string): string[] =>
  [...readFileSync(join(ROOT, file), 'utf8').matchAll(/^\s*(?:import|export)\b[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1]!);

describe('the tree', () => {
  it('names every top-level folder of src/ in a layer', () => {
    const unknown = [...new Set(FILES.map(folderOf))].filter((f) => !rank.has(f));
    expect(unknown).toEqual([]);
  });

  it('imports only run down the layers', () => {
    const upward: string[] = [];
    for (const file of FILES) {
      const from = folderOf(file);
      for (const spec of importsOf(file)) {
        if (!spec.startsWith('.')) continue;
        const target = relative(ROOT, normalize(join(ROOT, dirname(file), spec)));
        const to = folderOf(target);
        if (to !== from && !(rank.get(to)! < rank.get(from)!)) upward.push(`${file} → ${target}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('keeps transport libraries inside their adapters, and machines free of I/O', () => {
    const leaks: string[] = [];
    for (const file of FILES) {
      for (const spec of importsOf(file)) {
        const home = ADAPTER_ONLY[spec];
        if (home && !home.test(file)) leaks.push(`${file} imports ${spec}`);
        if (file.startsWith('machines/') && (spec.startsWith('node:') || !(spec.startsWith('.') || spec === 'xstate'))) {
          leaks.push(`${file} imports ${spec}`);
        }
      }
    }
    expect(leaks).toEqual([]);
  });

  it('has no file in src/ or machines/ over 500 lines', () => {
    const long = FILES.map((f) => [f, readFileSync(join(ROOT, f), 'utf8').split('\n').length] as const).filter(([, n]) => n > 500);
    expect(long).toEqual([]);
  });
});

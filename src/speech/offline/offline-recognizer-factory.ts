/**
 * The offline engine: pocketsphinx keyword spotting on the node itself, no network. One generated
 * model directory (telephone feat.params, kws file) per factory, shared by every stream's process.
 */
import { execFileSync } from 'node:child_process';
import type { Logger } from '../../log.js';
import { silentLogger } from '../../log.js';
import { KEYPHRASES } from '../../analysis/keyphrases.js';
import type { Recognizer, RecognizerFactory, RecognizerStartOptions } from '../types.js';
import { debianModel, generateModelDir, modelInstalled, type GeneratedModel, type ModelPaths } from './model-dir.js';
import { OfflineRecognizer } from './offline-recognizer.js';
import { POCKETSPHINX_BINARY } from './pocketsphinx-process.js';

export interface OfflineRecognizerFactoryOptions {
  log?: Logger;
  model?: ModelPaths;
  /** Phrases to spot; the shared detector list by default. */
  phrases?: readonly string[];
  /** Threshold exponent per phone (see model-dir.ts). Default 3.5. */
  perPhone?: number;
  maxRestarts?: number;
}

export class OfflineRecognizerFactory implements RecognizerFactory {
  readonly name = 'offline' as const;
  private generated: Promise<GeneratedModel> | undefined;
  private readonly live = new Set<OfflineRecognizer>();
  private closing: Promise<void> | undefined;
  private readonly log: Logger;

  constructor(private readonly opts: OfflineRecognizerFactoryOptions = {}) {
    this.log = opts.log ?? silentLogger();
  }

  /** Whether pocketsphinx_continuous is on PATH and the model is installed. */
  static available(model: ModelPaths = debianModel()): boolean {
    try {
      execFileSync('sh', ['-c', `command -v ${POCKETSPHINX_BINARY}`], { stdio: 'ignore' });
    } catch {
      return false;
    }
    return modelInstalled(model);
  }

  /** The generated model directory (created on first use). */
  model(): Promise<GeneratedModel> {
    return (this.generated ??= generateModelDir({
      phrases: this.opts.phrases ?? KEYPHRASES.map((k) => k.phrase),
      ...(this.opts.model ? { model: this.opts.model } : {}),
      ...(this.opts.perPhone !== undefined ? { perPhone: this.opts.perPhone } : {}),
    }).then((g) => {
      if (g.plan.skipped.length > 0) {
        // Phrases are from our own list, not call content: safe to log.
        this.log.warn({ skipped: g.plan.skipped }, 'keyphrases not in the pocketsphinx dictionary');
      }
      return g;
    }));
  }

  async start(opts: RecognizerStartOptions): Promise<Recognizer> {
    if (this.closing) throw new Error('offline recognizer factory is closed');
    const g = await this.model();
    const rec = new OfflineRecognizer({
      ...opts,
      args: ['-hmm', g.hmm, '-dict', g.dict, '-kws', g.kwsFile, '-samprate', '16000'],
      ...(this.opts.maxRestarts !== undefined ? { maxRestarts: this.opts.maxRestarts } : {}),
      log: this.log,
    });
    this.live.add(rec);
    const close = rec.close.bind(rec);
    rec.close = () => close().finally(() => this.live.delete(rec));
    return rec;
  }

  close(): Promise<void> {
    return (this.closing ??= this.doClose());
  }

  private async doClose(): Promise<void> {
    await Promise.allSettled([...this.live].map((r) => r.close()));
    if (this.generated) {
      const g = await this.generated.catch(() => undefined);
      await g?.remove();
    }
  }
}

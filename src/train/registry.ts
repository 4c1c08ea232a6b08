// The trainers a sweep can name: the built-in ones, and a user's module (a file that
// default-exports defineTrainer({...})). Loading a definition never loads tfjs: trainers get it
// from their context, in pool workers. TypeScript modules load through tsx at run time.

import { spawnSync } from 'node:child_process';
import { extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TrainerDefinition } from './contract.js';
import { mlp } from './mlp.js';
import { quadratic } from './quadratic.js';

export const BUILTIN_TRAINERS: Readonly<Record<string, TrainerDefinition<any>>> = { mlp, quadratic };

/** How a worker finds a trainer: a built-in by name, or a module by absolute path. */
export type TrainerRef = { builtin: string } | { module: string };

const modules = new Map<string, Promise<TrainerDefinition<any>>>();

/** Why a module's default export is not a trainer definition, or null when it is one. */
function definitionProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return `it must default-export defineTrainer({...}), found ${value === undefined ? 'no default export' : typeof value}`;
  const d = value as Record<string, unknown>;
  const missing = ['steps', 'train'].filter((k) => typeof d[k] !== 'function');
  if (missing.length) return `its default export must have ${missing.join(' and ')} function${missing.length > 1 ? 's' : ''} (see defineTrainer)`;
  if (!(Array.isArray(d.metrics) || (typeof d.metrics === 'object' && d.metrics !== null))) return 'its default export must declare metrics: a list of names, or name: goal';
  return null;
}

/**
 * A module's syntax error in one line that says where it is. esbuild (through tsx) puts the
 * location on the second line of its message ("Transform failed with 1 error:\n<file>:<line>:<col>:
 * ERROR: <text>"), which one-line reporting would drop; Node's own SyntaxError has no location at
 * all, so `node --check` (run only on this error path) is asked for it.
 */
function describeLoadError(path: string, e: unknown): string {
  if (!(e instanceof Error)) return `${path}: ${String(e)}`;
  if (/^Transform failed with \d+ errors?:/.test(e.message)) {
    const found = e.message.split('\n').slice(1).map((line) => /^(.*:\d+:\d+): (?:ERROR: )?(.*)$/.exec(line)).filter((m) => m !== null);
    if (found.length > 0) return `${found[0][1]}: ${found[0][2]}${found.length > 1 ? ` (and ${found.length - 1} more error${found.length > 2 ? 's' : ''})` : ''}`;
    return e.message.replace(/\s*\n\s*/g, ' ');
  }
  if (e.name === 'SyntaxError') return `${syntaxErrorLocation(path) ?? path}: SyntaxError: ${e.message}`;
  return e.message;
}

/** `<file>:<line>` of a JavaScript module's syntax error, as `node --check` reports it; null when it does not say. */
function syntaxErrorLocation(path: string): string | null {
  const r = spawnSync(process.execPath, ['--check', path], { encoding: 'utf8', timeout: 10_000 });
  const first = (r.stderr ?? '').split('\n').find((line) => line.trim() !== '') ?? '';
  return /^.+:\d+$/.test(first) ? first : null;
}

async function importModule(path: string): Promise<TrainerDefinition<any>> {
  const ext = extname(path).toLowerCase();
  let mod: { default?: unknown };
  try {
    if (ext === '.ts' || ext === '.mts' || ext === '.cts') {
      // tsx compiles it on the fly; a module already loaded through tsx's loader works the same.
      const { tsImport } = await import('tsx/esm/api');
      mod = (await tsImport(pathToFileURL(path).href, import.meta.url)) as { default?: unknown };
    } else mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (e) {
    const message = describeLoadError(path, e);
    throw e instanceof Error && message === e.message ? e : new Error(message, { cause: e });
  }
  // tsx may wrap a CommonJS-style default once more.
  let value = mod.default;
  if (value && typeof value === 'object' && 'default' in value && definitionProblem(value) !== null) value = (value as { default: unknown }).default;
  const problem = definitionProblem(value);
  if (problem) throw new Error(`${path}: ${problem}`);
  return value as TrainerDefinition<any>;
}

/** The definition a ref names; a module is imported once per thread. */
export function loadTrainer(ref: TrainerRef): Promise<TrainerDefinition<any>> {
  if ('builtin' in ref) {
    const d = BUILTIN_TRAINERS[ref.builtin];
    if (!d) return Promise.reject(new Error(`unknown built-in trainer ${JSON.stringify(ref.builtin)}; known: ${Object.keys(BUILTIN_TRAINERS).join(', ')}`));
    return Promise.resolve(d);
  }
  let loading = modules.get(ref.module);
  if (!loading) {
    loading = importModule(ref.module);
    modules.set(ref.module, loading);
  }
  return loading;
}

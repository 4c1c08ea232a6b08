// The Node end of optuna-driver.py: starts Debian's Optuna 3.1 (/usr/bin/python3), answers each
// value it asks for with the objective written in objectives.ts, and returns its curves (the best
// value after each trial, per seed) and the time of one TPE suggestion at `history` trials.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { tpeSpace } from '../../src/sweep/samplers/tpe-sampler.js';
import type { Params, SearchObjective } from './objectives.js';

export const PYTHON = '/usr/bin/python3';

export interface OptunaResult {
  version: string;
  /** objective -> sampler -> one curve per seed. */
  curves: Record<string, Record<string, number[][]>>;
  /** Milliseconds of one TPESampler suggestion at `history` finished trials. */
  suggestMs: number;
  /** CPU seconds: the Python process's, and this one's serving it. */
  cpuSeconds: number;
}

export async function runOptuna(objectives: readonly SearchObjective[], o: { seeds: number; trials: number; history: number; timed: number }): Promise<OptunaResult> {
  const cpuBefore = process.cpuUsage();
  const byName = new Map(objectives.map((obj) => [obj.name, obj]));
  const child = spawn(PYTHON, [join(import.meta.dirname, 'optuna-driver.py')], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const spawned = new Promise<void>((resolve, reject) => {
    child.on('spawn', resolve);
    child.on('error', reject);
  });
  await spawned;
  child.stdin.write(JSON.stringify({ ...o, objectives: objectives.map((obj) => ({ name: obj.name, space: tpeSpace(obj.sweep) })) }) + '\n');
  let result: OptunaResult | null = null;
  for await (const line of createInterface({ input: child.stdout })) {
    const msg = JSON.parse(line) as { ask?: string; params?: Params; done?: OptunaResult['curves']; suggestMs?: number; cpuSeconds?: number; version?: string };
    if (msg.ask !== undefined) {
      child.stdin.write(JSON.stringify({ value: byName.get(msg.ask)!.evaluate(msg.params!) }) + '\n');
    } else if (msg.done) {
      const cpu = process.cpuUsage(cpuBefore);
      result = { version: msg.version!, curves: msg.done, suggestMs: msg.suggestMs!, cpuSeconds: msg.cpuSeconds! + (cpu.user + cpu.system) / 1e6 };
      child.stdin.end();
    }
  }
  const code = await exited;
  if (code !== 0 || !result) throw new Error(`${PYTHON} optuna-driver.py exited ${code}: ${stderr.trim().split('\n').at(-1) ?? ''}`);
  return result;
}

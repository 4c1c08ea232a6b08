// The golden vectors of the kinds with their own kernel (test/fixtures/golden-kinds.json.gz, made
// by scripts/golden/kinds.py running timm's and transformers' own code), and our input for each.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { ScheduleInput } from '../../src/schedule/params.js';

export interface KindCase {
  id: string;
  kind: 'timm_cosine' | 'hf_cosine_restarts' | 'wsd';
  params: Record<string, number | boolean | string | null>;
  requested_n: number;
  n: number;
  lrs: number[];
  error?: { index: number; type: string; message: string };
}

export interface KindGolden {
  made_by: string;
  torch: string;
  timm: string;
  transformers: Record<string, string>;
  cases: KindCase[];
  /** timm's _get_lr(t) called directly at far steps: the value, or what it raised. */
  direct: { kind: 'timm_cosine'; params: KindCase['params']; t: number; lr?: number; error?: { type: string; message: string } }[];
}

export function kindGolden(): KindGolden {
  return JSON.parse(gunzipSync(readFileSync(new URL('../fixtures/golden-kinds.json.gz', import.meta.url))).toString('utf8'));
}

const camel = (ref: string) => ref.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Our parameters for a case: the reference's keyword arguments in the library's names. */
export function kindInput(c: KindCase): ScheduleInput {
  const out: Record<string, unknown> = { schedule: c.kind };
  for (const [k, v] of Object.entries(c.params)) out[camel(k)] = v;
  // timm's default t_in_epochs is True, as ours; a case without updates_per_epoch steps once per epoch
  return out as unknown as ScheduleInput;
}

/**
 * Where the references' libm is not correctly rounded (glibc's cos: up to 0.548 ulp; pow with
 * FMA), our correctly rounded cos and FMA-less pow differ in the last bits: at most this much,
 * relative. Measured: 11 of 43,012 values, the largest 1.1e-15.
 */
export const KIND_TOLERANCE = 4e-15;

// What the built-in MLP trainer would hold in memory, worked out before anything is allocated,
// so a data set or network too big for it is refused with the sweep file (run and --dry-run)
// instead of growing a worker past the machine's memory: a label of 10^5 classes passed every
// check, then one-hot targets of 80,000 rows x 100,000 classes took 16 GB.
//
// The count follows what mlp.ts and mlp-cohort.ts allocate, in float32 (4 bytes a value):
// - data: the features as the data set holds them, as tensors, and (mlp.ts) each epoch's shuffled copy;
// - targets: one-hot rows (one unit per class; 1 for regression), for training and validation;
//   a cohort holds the validation targets once per member;
// - weights: the network's parameters with their gradients and optimizer slots (momentum 1, adam 2),
//   once per member;
// - batch and validation: each layer's activations for a batch (forward and backward) and for
//   every validation row at once.
// It is an estimate within a small factor (tfjs's temporaries come and go), meant to tell a
// sweep that fits from one that cannot, and to size cohorts (membersWithin).

/** Bytes the MLP trainer may hold per worker: past this, train with a module or command trainer. */
export const MAX_MLP_BYTES = 2 * 2 ** 30;

/** What the memory depends on: the data's shape and the network's options. */
export interface MlpShape {
  features: number;
  /** Units of the last layer: the classes, or 1 for a regression target. */
  outputs: number;
  classification: boolean;
  trainRows: number;
  validationRows: number;
  hidden: readonly number[];
  batchSize: number;
  optimizer: 'sgd' | 'momentum' | 'adam';
  /** The options' keys messages blame for the data and the targets (default: dataset). */
  keys?: { data: string; targets: string };
}

/** The parts of an estimate, in bytes, with what each is made of (for the message). */
export interface MlpMemory {
  total: number;
  parts: { name: string; key: string; bytes: number; what: string }[];
}

const FLOAT = 4;
const SLOTS = { sgd: 0, momentum: 1, adam: 2 } as const;
const n = (x: number) => x.toLocaleString('en-US');

/** Bytes of one trial trained alone (members 1, mlp.ts) or of a cohort of `members` (mlp-cohort.ts). */
export function mlpMemory(s: MlpShape, members = 1): MlpMemory {
  const sizes = [s.features, ...s.hidden, s.outputs];
  let parameters = 0;
  for (let i = 1; i < sizes.length; i++) parameters += sizes[i - 1] * sizes[i] + sizes[i];
  const units = sizes.slice(1).reduce((a, b) => a + b, 0);
  const rows = s.trainRows + s.validationRows;
  // Batches are slices of the training rows: a batch_size above them trains on all rows at once.
  const batch = Math.min(s.batchSize, s.trainRows);
  const alone = members === 1;
  // A lone cohort member trains with a twin (mlp-cohort.ts).
  const k = alone ? 1 : Math.max(2, members);
  const targetRows = alone ? 2 * s.trainRows + s.validationRows : s.trainRows + k * s.validationRows;
  const target = s.classification ? `one-hot targets of ${n(s.trainRows + s.validationRows)} rows x ${n(s.outputs)} classes` : `targets of ${n(rows)} rows`;
  const parts = [
    { name: 'data', key: s.keys?.data ?? 'dataset', bytes: FLOAT * (alone ? 2 * s.trainRows + 2 * rows : rows + s.validationRows) * s.features, what: `${n(rows)} rows x ${n(s.features)} features` },
    { name: 'targets', key: s.keys?.targets ?? 'dataset', bytes: FLOAT * targetRows * s.outputs, what: target },
    { name: 'weights', key: 'hidden', bytes: FLOAT * k * parameters * (2 + SLOTS[s.optimizer]), what: `${n(parameters)} weights (layers ${sizes.map(n).join(' x ')})` },
    { name: 'batch', key: 'batch_size', bytes: FLOAT * k * 3 * batch * units, what: `batches of ${n(batch)} rows x ${n(units)} units` },
    { name: 'validation', key: 'hidden', bytes: FLOAT * k * 2 * s.validationRows * units, what: `${n(s.validationRows)} validation rows x ${n(units)} units` },
  ];
  return { total: parts.reduce((a, p) => a + p.bytes, 0), parts };
}

const gb = (bytes: number) => `${Number((bytes / 2 ** 30).toPrecision(3))} GB`;

/**
 * Why a trial with this shape cannot train within MAX_MLP_BYTES, or null when it can, alone and
 * as a cohort of one (the smallest a cohort is split into): the key to blame and a one-line message.
 */
export function mlpMemoryProblem(s: MlpShape, limit = MAX_MLP_BYTES): { key: string; message: string } | null {
  const worst = [mlpMemory(s, 1), mlpMemory(s, 2)].reduce((a, b) => (b.total > a.total ? b : a));
  if (worst.total <= limit) return null;
  const biggest = worst.parts.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  return {
    key: biggest.key,
    message: `the mlp trainer would hold about ${gb(worst.total)} per worker (${biggest.what}: ${gb(biggest.bytes)}); its limit is ${gb(limit)}: ` +
      'train a model this size with a trainer module (kind: module) or your own program (kind: command)',
  };
}

/** The most members of a cohort that fit within the limit (at least 1: a trial that fits alone fits as a cohort of one). */
export function membersWithin(s: MlpShape, members: number, limit = MAX_MLP_BYTES): number {
  let k = members;
  while (k > 1 && mlpMemory(s, k).total > limit) k--;
  return k;
}

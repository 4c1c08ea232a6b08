// Where a task's data, scratch and members live in the MLP kernels' linear memory
// (assembly/mlp/network.ts describes what the kernels expect). Laid out once per task from the
// module's heap base, every region 16-byte aligned:
//   layer table | epoch order | training x, y | validation x, y | batch x, y |
//   each layer's outputs [cap, width] | two gradient buffers [cap, widest] | K member blocks
// cap is the batch size: validation runs through the same buffers in chunks of cap rows. A
// member's block is its parameters (per layer: kernel [rows, width], bias [width]) followed by one
// copy of them per optimizer state slot (momentum 1, Adam 2, SGD none).

import type { MlpOptions as MlpConfig } from '../mlp-options.js';

export interface LayerLayout {
  fanIn: number;
  units: number;
  /** units rounded up to a multiple of 4 (whole f32x4 lanes). */
  width: number;
  /** Rows of the kernel as stored: the fan-in, padded to the layer below's width. */
  rows: number;
  /** Byte offsets in a member's block. */
  weights: number;
  bias: number;
  /** Address of the layer's outputs for the rows in flight. */
  output: number;
}

export interface Layout {
  layers: LayerLayout[];
  /** Rows a batch or validation chunk holds at most. */
  cap: number;
  table: number;
  order: number;
  trainX: number;
  trainY: number;
  valX: number;
  valY: number;
  batchX: number;
  batchY: number;
  gradA: number;
  gradB: number;
  /** Bytes of a member's parameters (the distance to each optimizer state slot). */
  stateBytes: number;
  memberBytes: number;
  /** Address of member j's block: members + j * memberBytes. */
  members: number;
  /** First byte past the layout. */
  end: number;
}

export const STATE_SLOTS: Record<MlpConfig['optimizer'], number> = { sgd: 0, momentum: 1, adam: 2 };

const roundUp = (n: number, to: number) => Math.ceil(n / to) * to;

export interface LayoutShape {
  features: number;
  hidden: number[];
  outputs: number;
  trainRows: number;
  valRows: number;
  batchSize: number;
  optimizer: MlpConfig['optimizer'];
  members: number;
}

/** The layout from the module's heap base; the layer table has layerFields i32 a layer (assembly/mlp/network.ts LAYER_FIELDS). */
export function layoutFor(s: LayoutShape, heapBase: number, layerFields: number): Layout {
  let at = roundUp(heapBase, 16);
  const place = (bytes: number) => {
    const p = at;
    at += roundUp(bytes, 16);
    return p;
  };
  const cap = Math.max(1, Math.min(s.batchSize, Math.max(s.trainRows, s.valRows)));
  const sizes = [...s.hidden, s.outputs];
  let paramBytes = 0;
  const layers: LayerLayout[] = sizes.map((units, i) => {
    const width = roundUp(units, 4);
    const fanIn = i === 0 ? s.features : sizes[i - 1];
    const rows = i === 0 ? s.features : roundUp(sizes[i - 1], 4);
    const weights = paramBytes;
    paramBytes += rows * width * 4;
    const bias = paramBytes;
    paramBytes += width * 4;
    return { fanIn, units, width, rows, weights, bias, output: 0 };
  });
  const table = place(layers.length * layerFields * 4);
  const order = place(s.trainRows * 4);
  const trainX = place(s.trainRows * s.features * 4);
  const trainY = place(s.trainRows * 4);
  const valX = place(s.valRows * s.features * 4);
  const valY = place(s.valRows * 4);
  const batchX = place(cap * s.features * 4);
  const batchY = place(cap * 4);
  for (const l of layers) l.output = place(cap * l.width * 4);
  const widest = Math.max(...layers.map((l) => l.width));
  const gradA = place(cap * widest * 4);
  const gradB = place(cap * widest * 4);
  const memberBytes = paramBytes * (1 + STATE_SLOTS[s.optimizer]);
  const members = place(memberBytes * s.members);
  return { layers, cap, table, order, trainX, trainY, valX, valY, batchX, batchY, gradA, gradB, stateBytes: paramBytes, memberBytes, members, end: at };
}

// The data set: small grayscale images of a circle, a square or a triangle, drawn at a jittered
// position and size, with Gaussian pixel noise. Generated in code from a seed, so every trial
// (and every machine) sees the same images and nothing is downloaded.

// lrsweep's seeded generator (`import { mulberry32 } from 'lrsweep'` in a project of your own).
import { mulberry32 } from '../../src/index.js';

export const SHAPES = ['circle', 'square', 'triangle'] as const;
export const SIZE = 16;

export interface Images {
  /** count x SIZE x SIZE pixels, row-major, about 0 (background) to 1 (shape) plus noise. */
  pixels: Float32Array;
  /** The class of each image: an index into SHAPES. */
  labels: Int32Array;
  count: number;
}

/** Is pixel (x, y) inside the shape centred at (cx, cy) with radius r? */
function inside(shape: number, x: number, y: number, cx: number, cy: number, r: number): boolean {
  const dx = x - cx;
  const dy = y - cy;
  if (shape === 0) return dx * dx + dy * dy <= r * r;
  if (shape === 1) return Math.abs(dx) <= 0.8 * r && Math.abs(dy) <= 0.8 * r;
  // An upright triangle: apex at the top, base at the bottom, as wide as it is tall.
  const fromTop = dy + r;
  return fromTop >= 0 && fromTop <= 2 * r && Math.abs(dx) <= fromTop / 2;
}

export function drawShapes(count: number, noise: number, seed: number): Images {
  const random = mulberry32(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const pixels = new Float32Array(count * SIZE * SIZE);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const shape = Math.floor(random() * SHAPES.length);
    const r = 3 + 2.5 * random();
    const cx = SIZE / 2 - 0.5 + (random() * 2 - 1) * (SIZE / 2 - r - 0.5);
    const cy = SIZE / 2 - 0.5 + (random() * 2 - 1) * (SIZE / 2 - r - 0.5);
    labels[i] = shape;
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        pixels[(i * SIZE + y) * SIZE + x] = (inside(shape, x, y, cx, cy, r) ? 1 : 0) + noise * gaussian();
      }
    }
  }
  return { pixels, labels, count };
}

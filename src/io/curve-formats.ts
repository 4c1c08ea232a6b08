// Encoders for curve files: each turns one chunk of values into bytes, so a curve of any length
// is written in bounded memory. Formats: csv (step,lr), json (one array), npy (NumPy 1.0 format,
// read by numpy.load), bin (raw little-endian floats).

import { extname } from 'node:path';
import { endianness } from 'node:os';
import { UsageError } from '../core/errors.js';
type CurveArray = Float64Array | Float32Array;

export type CurveFormat = 'csv' | 'json' | 'npy' | 'bin';
const FILE_FORMATS: readonly CurveFormat[] = ['csv', 'json', 'npy', 'bin'];
export const STDOUT_FORMATS: readonly CurveFormat[] = ['json', 'csv'];

export function formatFromPath(path: string): CurveFormat {
  const ext = extname(path).slice(1).toLowerCase();
  if ((FILE_FORMATS as readonly string[]).includes(ext)) return ext as CurveFormat;
  throw new UsageError(`--out must end in .csv, .json, .npy or .bin (the extension picks the format), got ${JSON.stringify(path)}`);
}

/** Shortest decimal text that reads back to the same float32 (String() would print the f64 digits). */
export function formatFloat32(v: number): string {
  for (let p = 1; p < 9; p++) {
    const text = v.toPrecision(p);
    if (Math.fround(Number(text)) === v) return String(Number(text));
  }
  return String(v);
}

export interface Encoder {
  header(): Uint8Array;
  chunk(values: CurveArray, firstStep: number, isFirstChunk: boolean): Uint8Array;
  footer(): Uint8Array;
}

const EMPTY = new Uint8Array(0);
const text = (s: string) => Buffer.from(s, 'utf8');

function rawBytes(values: CurveArray): Uint8Array {
  if (endianness() !== 'LE') throw new Error('binary curve output needs a little-endian machine');
  // A copy: the chunk is a view into WASM memory that the next chunk overwrites.
  return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
}

/** The NumPy .npy v1.0 header for a 1-d array of `length` little-endian floats. */
function npyHeader(dtype: 'f64' | 'f32', length: number): Uint8Array {
  const descr = dtype === 'f64' ? '<f8' : '<f4';
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${length},), }`;
  // magic (6) + version (2) + header length (2) + dict + padding + '\n' is a multiple of 64.
  const unpadded = 10 + dict.length + 1;
  dict += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = Buffer.alloc(10 + dict.length);
  out.write('\x93NUMPY', 0, 'latin1');
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(dict.length, 8);
  out.write(dict, 10, 'latin1');
  return out;
}

export function encoder(format: CurveFormat, dtype: 'f64' | 'f32', steps: number, column = 'lr'): Encoder {
  const show = dtype === 'f32' ? formatFloat32 : String;
  switch (format) {
    case 'csv':
      return {
        header: () => text(`step,${column}\n`), // column: lr, or momentum (curve --momentum)
        chunk(values, first) {
          let s = '';
          for (let i = 0; i < values.length; i++) s += `${first + i},${show(values[i])}\n`;
          return text(s);
        },
        footer: () => EMPTY,
      };
    case 'json':
      return {
        header: () => text('['),
        chunk(values, _first, isFirst) {
          let s = '';
          for (let i = 0; i < values.length; i++) s += (isFirst && i === 0 ? '' : ',') + show(values[i]);
          return text(s);
        },
        footer: () => text(']\n'),
      };
    case 'npy':
      return { header: () => npyHeader(dtype, steps), chunk: rawBytes, footer: () => EMPTY };
    case 'bin':
      return { header: () => EMPTY, chunk: rawBytes, footer: () => EMPTY };
  }
}

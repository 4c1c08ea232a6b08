// A reader for NumPy's .npy files (format versions 1, 2 and 3), enough for data sets: little-endian
// float32, float64, int32 and int64 in C order. The format: the magic "\x93NUMPY", a major and a
// minor version byte, the header's length (uint16 in version 1, uint32 in 2 and 3), then the header,
// a Python dict literal such as {'descr': '<f4', 'fortran_order': False, 'shape': (120, 4), },
// padded so the data starts aligned. See numpy/lib/format.py.
// Values come back as float64 (int64 values beyond 2^53 lose precision, as any JS number would).
// Messages quote the header cut (quoteField): the file may be anything.

import { quoteField as quoted } from './table.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const DTYPES = {
  '<f4': { size: 4, read: (b: ArrayBuffer) => new Float32Array(b) },
  '<f8': { size: 8, read: (b: ArrayBuffer) => new Float64Array(b) },
  '<i4': { size: 4, read: (b: ArrayBuffer) => new Int32Array(b) },
  '<i8': { size: 8, read: (b: ArrayBuffer) => Float64Array.from(new BigInt64Array(b), Number) },
} as const;

export type NpyDtype = keyof typeof DTYPES;
const NPY_DTYPES = Object.keys(DTYPES) as NpyDtype[];

const NAMES: Record<NpyDtype, string> = { '<f4': 'float32', '<f8': 'float64', '<i4': 'int32', '<i8': 'int64' };

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  /** The values in C order. */
  data: Float64Array;
}

/** Why bytes are not an .npy array this reader takes: the message completes "<file> ...". */
export class NpyFormatError extends Error {
  override name = 'NpyFormatError';
}

export function parseNpy(bytes: Uint8Array): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new NpyFormatError('is not an .npy file (it does not start with \\x93NUMPY)');
  const major = bytes[6];
  if (major < 1 || major > 3) throw new NpyFormatError(`has .npy format version ${major}.${bytes[7]}; this reader takes versions 1, 2 and 3`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerStart = major === 1 ? 10 : 12;
  if (bytes.length < headerStart) throw new NpyFormatError('is cut short inside its header');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = headerStart + headerLength;
  if (bytes.length < dataStart) throw new NpyFormatError('is cut short inside its header');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));

  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new NpyFormatError(`has a header without descr, fortran_order and shape: ${quoted(header.trim())}`);
  if (!(descr in DTYPES)) {
    throw new NpyFormatError(`holds dtype ${quoted(descr)}; the data must be one of ${NPY_DTYPES.map((d) => `${NAMES[d]} (${d})`).join(', ')}, little-endian (convert with arr.astype("float32"))`);
  }
  if (fortran === 'True') throw new NpyFormatError('is in Fortran order; save it in C order (np.save(path, np.ascontiguousarray(arr)))');
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (shape.some((n) => !Number.isInteger(n) || n < 0)) throw new NpyFormatError(`has a shape that is not a list of sizes: ${quoted(`(${shapeText})`)}`);

  const dtype = descr as NpyDtype;
  const { size, read } = DTYPES[dtype];
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = dataStart + count * size;
  if (bytes.length !== expected) {
    throw new NpyFormatError(`holds ${bytes.length - dataStart} bytes of data; shape (${shape.join(', ')}) of ${NAMES[dtype]} needs ${count * size}`);
  }
  // A copy, so the typed array starts aligned whatever the header's padding and the Buffer's offset.
  // (Buffer's slice would be a view, hence set.)
  const own = new Uint8Array(expected - dataStart);
  own.set(bytes.subarray(dataStart, expected));
  const values = read(own.buffer);
  return { dtype, shape, data: values instanceof Float64Array ? values : Float64Array.from(values) };
}

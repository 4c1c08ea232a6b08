// Gradient kernels for tfjs's wasm backend, so conv nets train on it, and train right.
// tfjs-backend-wasm 4.22, measured against the cpu backend and direct sums
// (test/train/wasm-training-kernels.test.ts):
// - Conv2DBackpropFilter is missing (tensorflow/tfjs#8474): training any tf.layers.conv2d fails
//   with "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'". Ours: a 2-D
//   convolution is a 3-D one of depth 1, so with strides of 1 it reshapes (no copy) and calls
//   wasm's Conv3DBackpropFilterV2, which is right there; that kernel is wrong for strides above 1,
//   so strided convolutions (and explicit paddings) take a plain loop in JS instead.
// - MaxPoolGrad gives wrong gradients for most shapes, the common 2x2 pool with stride 2
//   included (1x1 channels, any batch): max pooling trains on noise without a word. Ours replaces
//   it: each output's gradient goes to its window's first maximum, as the cpu backend does.
// Conv2DBackpropInput and AvgPoolGrad agreed with the cpu backend when measured (strides 1 and
// 2, 'same' and 'valid'); they are tfjs's own and not replaced.

import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import type { Tf } from './contract.js';

type KernelFunc = NonNullable<ReturnType<Tf['getKernel']>>['kernelFunc'];
interface WasmBackend {
  disposeData(dataId: object): boolean;
  /** A view of a tensor's data in wasm memory: valid until the next allocation. */
  typedArrayFromHeap(t: TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: 'float32', memoryOffset?: number, values?: Float32Array): TensorInfo;
}
/** Marks the kernels registered here, so registering twice changes nothing. */
const OURS = Symbol.for('lrsweep.wasmTrainingKernel');

/** Registers lrsweep's gradient kernels on the wasm backend (once per thread; nothing if wasm is not registered). */
export function registerWasmTrainingKernels(tf: Tf): void {
  const reshape = tf.getKernel('Reshape', 'wasm')?.kernelFunc;
  const conv3dFilter = tf.getKernel('Conv3DBackpropFilterV2', 'wasm')?.kernelFunc;
  if (!reshape || !conv3dFilter) return;
  replaceKernel(tf, 'Conv2DBackpropFilter', conv2dBackpropFilter(tf, reshape, conv3dFilter));
  replaceKernel(tf, 'MaxPoolGrad', maxPoolGrad(tf));
}

function replaceKernel(tf: Tf, kernelName: string, kernelFunc: KernelFunc): void {
  const existing = tf.getKernel(kernelName, 'wasm');
  if (existing && (existing.kernelFunc as { [OURS]?: boolean })[OURS]) return;
  if (existing) tf.unregisterKernel(kernelName, 'wasm');
  Object.assign(kernelFunc, { [OURS]: true });
  tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc } as KernelConfig);
}

interface Conv2DBackpropFilterAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | number[][];
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

function conv2dBackpropFilter(tf: Tf, reshape: KernelFunc, conv3dFilter: KernelFunc): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const a = attrs as unknown as Conv2DBackpropFilterAttrs;
    if (a.dataFormat !== 'NHWC') throw new Error(`Conv2DBackpropFilter on wasm (lrsweep's kernel): dataFormat must be NHWC, got ${a.dataFormat}`);
    const wasm = backend as unknown as WasmBackend;
    const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], a.filterShape, a.strides, 1,
      a.pad as 'same', a.dimRoundingMode, false, 'channelsLast');
    if (info.strideHeight === 1 && info.strideWidth === 1 && (a.pad === 'same' || a.pad === 'valid' || a.pad === 0)) {
      const [b, h, w, c] = x.shape;
      const [, oh, ow, oc] = dy.shape;
      const [fh, fw, fi, fo] = a.filterShape;
      const x5 = reshape({ inputs: { x }, backend, attrs: { shape: [b, 1, h, w, c] } }) as TensorInfo;
      const dy5 = reshape({ inputs: { x: dy }, backend, attrs: { shape: [b, 1, oh, ow, oc] } }) as TensorInfo;
      const dw5 = conv3dFilter({ inputs: { x: x5, dy: dy5 }, backend, attrs: { strides: [1, 1, 1], pad: a.pad, filterShape: [1, fh, fw, fi, fo] } }) as TensorInfo;
      const dw = reshape({ inputs: { x: dw5 }, backend, attrs: { shape: a.filterShape } }) as TensorInfo;
      // Reshape shares the data and counts a reference: drop the intermediates' references.
      for (const t of [x5, dy5, dw5]) wasm.disposeData(t.dataId);
      return dw;
    }
    // dw[i, j, ci, co] = sum over (n, y, z) of x[n, y*sh + i - top, z*sw + j - left, ci] * dy[n, y, z, co]
    const xv = wasm.typedArrayFromHeap(x);
    const dyv = wasm.typedArrayFromHeap(dy);
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth } = info;
    const { top, left } = info.padInfo;
    const sums = new Float64Array(filterHeight * filterWidth * inChannels * outChannels);
    for (let n = 0; n < batchSize; n++) {
      for (let y = 0; y < outHeight; y++) {
        for (let z = 0; z < outWidth; z++) {
          const d = ((n * outHeight + y) * outWidth + z) * outChannels;
          for (let i = 0; i < filterHeight; i++) {
            const row = y * strideHeight + i - top;
            if (row < 0 || row >= inHeight) continue;
            for (let j = 0; j < filterWidth; j++) {
              const col = z * strideWidth + j - left;
              if (col < 0 || col >= inWidth) continue;
              const xo = ((n * inHeight + row) * inWidth + col) * inChannels;
              const wo = (i * filterWidth + j) * inChannels * outChannels;
              for (let ci = 0; ci < inChannels; ci++) {
                const xValue = xv[xo + ci];
                if (xValue === 0) continue; // common after relu
                const base = wo + ci * outChannels;
                for (let co = 0; co < outChannels; co++) sums[base + co] += xValue * dyv[d + co];
              }
            }
          }
        }
      }
    }
    return wasm.makeOutput(a.filterShape, 'float32', undefined, Float32Array.from(sums));
  };
}

interface MaxPoolGradAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function maxPoolGrad(tf: Tf): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
    const a = attrs as unknown as MaxPoolGradAttrs;
    const wasm = backend as unknown as WasmBackend;
    const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth, effectiveFilterHeight, effectiveFilterWidth } = info;
    const { top, left } = info.padInfo;
    const xv = wasm.typedArrayFromHeap(input);
    const dyv = wasm.typedArrayFromHeap(dy);
    const dx = new Float32Array(xv.length);
    for (let n = 0; n < batchSize; n++) {
      for (let y = 0; y < outHeight; y++) {
        const rowStart = Math.max(0, y * strideHeight - top);
        const rowEnd = Math.min(inHeight, y * strideHeight - top + effectiveFilterHeight);
        for (let z = 0; z < outWidth; z++) {
          const colStart = Math.max(0, z * strideWidth - left);
          const colEnd = Math.min(inWidth, z * strideWidth - left + effectiveFilterWidth);
          for (let c = 0; c < inChannels; c++) {
            let best = Number.NEGATIVE_INFINITY;
            let at = -1;
            for (let row = rowStart; row < rowEnd; row++) {
              for (let col = colStart; col < colEnd; col++) {
                const k = ((n * inHeight + row) * inWidth + col) * inChannels + c;
                if (xv[k] > best) {
                  best = xv[k];
                  at = k;
                }
              }
            }
            if (at >= 0) dx[at] += dyv[((n * outHeight + y) * outWidth + z) * inChannels + c];
          }
        }
      }
    }
    return wasm.makeOutput(input.shape, 'float32', undefined, dx);
  };
}

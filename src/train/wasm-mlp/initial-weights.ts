// The initial kernel of a layer, [fanIn, fanOut] row-major: what tfjs's
// glorotUniform({ seed }).apply([fanIn, fanOut]) gives mlp.ts and stacked-mlp.ts (seed + layer
// index), so the wasm engine starts every member where the tfjs engine does.
//
// A seam until the tfjs-free src/train/glorot.ts lands (branch wasm-init): the engine takes the
// function through WasmCohortOptions.initialKernel, and tests pass one built on tfjs.

export type InitialKernel = (seed: number, fanIn: number, fanOut: number) => Float32Array;

export const missingInitialKernel: InitialKernel = () => {
  throw new Error('the wasm MLP engine has no tfjs-free glorotUniform yet (src/train/glorot.ts): pass options.initialKernel');
};

// A dense network with K members stacked along a leading axis: kernels [K, in, out], biases
// [K, 1, out], and one batched matMul per layer runs every member at once (tfjs wasm sends every
// batched matMul to one plain loop that computes each member's slice apart). Each member starts
// from the weights mlp.ts's tfjs layers model gets with the same seed (the same glorotUniform
// initializer, seeded seed + layer index, zero biases), tiled K times, and computes its layer as
// tfjs's Dense layer does in training: matMul, add the bias, then the activation.

type Tf = typeof import('@tensorflow/tfjs');
type Tensor3D = import('@tensorflow/tfjs').Tensor3D;
type Variable = import('@tensorflow/tfjs').Variable;

export type Activation = 'relu' | 'tanh' | 'sigmoid';

export interface StackedMlpShape {
  features: number;
  hidden: number[];
  outputs: number;
  activation: Activation;
}

export interface StackedMlp {
  /** Trainable variables, kernel then bias for each layer, every one [K, ...]. */
  variables: Variable[];
  /** Every member's forward pass: [K, rows, features], or [1, rows, features] for the same rows to all, -> [K, rows, outputs] (linear outputs). */
  apply(x: Tensor3D): Tensor3D;
  /**
   * Keeps only the members at these indices, in this order (an index may repeat: a lone member's
   * twin): every variable becomes its gathered slices. `variables` keeps its identity (its entries
   * are replaced), so an optimizer holding it sees the new ones.
   */
  keep(indices: number[]): void;
  dispose(): void;
}

export function stackedMlp(tf: Tf, shape: StackedMlpShape, seed: number, members: number): StackedMlp {
  const sizes = [...shape.hidden, shape.outputs];
  const activate = { relu: tf.relu, tanh: tf.tanh, sigmoid: tf.sigmoid }[shape.activation];
  const kernels: Variable[] = [];
  const biases: Variable[] = [];
  sizes.forEach((units, i) => {
    const fanIn = i === 0 ? shape.features : sizes[i - 1];
    kernels.push(tf.tidy(() => {
      const one = tf.initializers.glorotUniform({ seed: seed + i }).apply([fanIn, units], 'float32');
      return tf.variable(tf.tile(tf.expandDims(one, 0), [members, 1, 1]));
    }));
    biases.push(tf.tidy(() => tf.variable(tf.zeros([members, 1, units]))));
  });
  const variables = kernels.flatMap((k, i) => [k, biases[i]]);
  return {
    variables,
    keep: (indices) => {
      const gathered = (v: Variable) => {
        const next = tf.tidy(() => tf.variable(tf.gather(v, tf.tensor1d(indices, 'int32'), 0)));
        v.dispose();
        return next;
      };
      for (let i = 0; i < sizes.length; i++) {
        kernels[i] = gathered(kernels[i]);
        biases[i] = gathered(biases[i]);
        variables[2 * i] = kernels[i];
        variables[2 * i + 1] = biases[i];
      }
    },
    apply: (x) => {
      let h = x;
      for (let i = 0; i < sizes.length; i++) {
        h = tf.add(tf.matMul(h, kernels[i]), biases[i]);
        if (i < sizes.length - 1) h = activate(h);
      }
      return h;
    },
    dispose: () => tf.dispose([...kernels, ...biases]),
  };
}

// What the host calls: gather a batch, train one member one step, evaluate one member.

import { features } from "./network";
import { forward } from "./forward";
import { backward } from "./backward";
import { addValidation, lossAndGradient } from "./heads";

/**
 * Copies rows order[from .. from + rows) of the training data (x [*, features] f32, y one
 * 4-byte label or target a row) to the batch buffers: the batch every member trains on.
 */
export function gather(order: usize, from: i32, rows: i32, x: usize, y: usize, batchX: usize, batchY: usize): void {
  const rowBytes = <usize>features << 2;
  for (let r = 0; r < rows; r++) {
    const row = <usize>load<i32>(order + (<usize>(from + r) << 2));
    memory.copy(batchX + <usize>r * rowBytes, x + row * rowBytes, rowBytes);
    store<i32>(batchY + (<usize>r << 2), load<i32>(y + (row << 2)));
  }
}

/**
 * One training step of the member whose block is at `member` on the batch (x, y, rows), with
 * learning rate lr (float32, as tfjs holds it). Returns the batch's mean loss; when it is NaN or
 * infinite nothing is updated (the member diverged at this step; the host stops training it).
 */
export function trainStep(member: usize, x: usize, y: usize, rows: i32, lr: f32): f32 {
  const loss = lossAndGradient(forward(member, x, rows), y, rows);
  if (!isFinite(loss)) return loss;
  backward(member, x, rows, lr);
  return loss;
}

/** Adds the member's validation sums over these rows (see heads.ts addValidation). */
export function evaluate(member: usize, x: usize, y: usize, rows: i32): void {
  addValidation(forward(member, x, rows), y, rows);
}

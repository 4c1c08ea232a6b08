// (peak - min_lr) of cycle c, with gamma^c as a pure function of c that costs a multiply, not a
// pow, per cycle: gamma^c = gamma^(64 * (c >> 6)) * gamma^(c & 63), both factors from pow and
// cached (the 64 low powers per gamma, the high power per block of 64 cycles). The product is
// within about 2 ulp of pow(gamma, c); the tolerance allows 1e-12 (README: Exactness). Cycles of
// 100 steps made one pow per cycle a third of the time of an equal-cycle curve.
import { gamma, maxLr, minLr, peakMode, PEAK_AMPLITUDE, PEAK_CLAMP } from "./schedule";

const LOW_BITS: i64 = 6;
const LOW_MASK: i64 = (1 << LOW_BITS) - 1;
/** gamma^0 .. gamma^63 of the gamma in lowOf. */
const LOW_POWERS: usize = memory.data(<i32>(LOW_MASK + 1) << 3, 16);
let lowOf: f64 = NaN;
let highBlock: i64 = -1;
let highPower: f64 = 1.0;

/** gamma^c (gamma > 0, c >= 0). */
// @ts-ignore: decorator
@inline
export function decayOf(c: i64): f64 {
  if (gamma != lowOf) { // NaN != NaN: empty at first
    for (let i: i64 = 0; i <= LOW_MASK; i++) store<f64>(LOW_POWERS + (<usize>i << 3), Math.pow(gamma, <f64>i));
    lowOf = gamma;
    highBlock = -1;
  }
  const block = c >> LOW_BITS;
  if (block != highBlock) {
    highPower = Math.pow(gamma, <f64>(block << LOW_BITS));
    highBlock = block;
  }
  return highPower * load<f64>(LOW_POWERS + (<usize>(c & LOW_MASK) << 3));
}

/** (peak - min_lr) of cycle c, in the reference's order of operations for the default mode. */
// @ts-ignore: decorator
@inline
export function amplitudeOf(c: i64): f64 {
  const decay = decayOf(c);
  if (peakMode == PEAK_AMPLITUDE) return (maxLr - minLr) * decay;
  let peak = maxLr * decay;
  if (peakMode == PEAK_CLAMP && peak < minLr) peak = minLr;
  return peak - minLr;
}

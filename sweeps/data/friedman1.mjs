// Writes friedman1.csv: Friedman's regression problem #1 (Friedman 1991, "Multivariate adaptive
// regression splines"; scikit-learn's make_friedman1), 500 rows:
//   y = 10 sin(pi x1 x2) + 20 (x3 - 0.5)^2 + 10 x4 + 5 x5 + noise,  x1..x7 uniform on [0, 1],
// noise standard normal; x6 and x7 do not enter y (a network should learn to ignore them).
// Seeded (mulberry32, seed 1991): running `node friedman1.mjs` again gives the same bytes.
import { writeFileSync } from 'node:fs';

// src/core/random.ts's mulberry32, copied: this file runs with plain node, which cannot import TypeScript.
function mulberry32(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = mulberry32(1991);
const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const lines = ['x1,x2,x3,x4,x5,x6,x7,y'];
for (let i = 0; i < 500; i++) {
  const x = Array.from({ length: 7 }, () => random());
  const y = 10 * Math.sin(Math.PI * x[0] * x[1]) + 20 * (x[2] - 0.5) ** 2 + 10 * x[3] + 5 * x[4] + normal();
  lines.push([...x.map((v) => v.toFixed(4)), y.toFixed(4)].join(','));
}
writeFileSync(new URL('friedman1.csv', import.meta.url), `${lines.join('\n')}\n`);

// Dropout's masks: whether unit `unit` of row `row` is kept at training step `step`, from a counter-based hash of
// (seed, step, row, unit), written once here in TypeScript and once in WGSL, so that the GPU and the CPU reference
// drop the same units. The hash is lowbias32 (Chris Wellons's 32-bit integer mix), applied to each counter in turn:
// h = H(unit + H(row + H(step + H(seed)))). A unit is kept where h ≥ threshold = ⌊rate · 2^32⌋, which happens with
// probability 1 − rate; the comparison is of integers, so both sides agree exactly.

/** lowbias32: x ^= x >> 16; x *= 0x7feb352d; x ^= x >> 15; x *= 0x846ca68b; x ^= x >> 16 (mod 2^32). */
function lowbias32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

export function maskHash(seed: number, step: number, row: number, unit: number): number {
  return lowbias32((unit + lowbias32((row + lowbias32((step + lowbias32(seed >>> 0)) >>> 0)) >>> 0)) >>> 0);
}

/** The threshold below which a hash drops its unit: ⌊rate · 2^32⌋. */
export const threshold = (rate: number) => Math.floor(rate * 2 ** 32);

/** 1 / (1 − rate) in float32, what kept units are scaled by (inverted dropout). */
export const scale = (rate: number) => Math.fround(1 / (1 - rate));

/** The same, in WGSL, for the four units from `col`: the scale where kept, 0 where dropped. */
export const maskWgsl = `fn lowbias32(v: vec4u) -> vec4u {
  var x = v;
  x ^= x >> vec4u(16u);
  x *= vec4u(0x7feb352du);
  x ^= x >> vec4u(15u);
  x *= vec4u(0x846ca68bu);
  x ^= x >> vec4u(16u);
  return x;
}
fn dropout_mask(seed: u32, threshold: u32, scale: f32, row: u32, col: u32) -> vec4f {
  let units = vec4u(col) + vec4u(0u, 1u, 2u, 3u);
  let h = lowbias32(units + lowbias32(vec4u(row) + lowbias32(vec4u(step_counter()) + lowbias32(vec4u(seed)))));
  return select(vec4f(), vec4f(scale), h >= vec4u(threshold));
}
`;

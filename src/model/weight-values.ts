// How a weights file stores a float32 weight: as float32, or quantized by tensorflowjs_converter
// (--quantize_float16, --quantize_uint8, --quantize_uint16), and the float32 values back from the stored bytes as
// TF.js decodes them (tfjs-core io_utils decodeWeights): in the platform's byte order (little-endian everywhere
// TF.js runs), affine values as q · scale + min rounded once to float32.

export type StoredAs = { dtype: 'float32' } | { dtype: 'float16' } | { dtype: 'uint8' | 'uint16'; scale: number; min: number };

export const BYTES_PER_VALUE: Record<StoredAs['dtype'], number> = { float32: 4, float16: 2, uint8: 1, uint16: 2 };

/** The IEEE 754 half-precision number with bits `h`: sign, 5 exponent bits (bias 15), 10 fraction bits. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // zero and subnormals: fraction · 2^-14 / 2^10
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1024 + fraction) * 2 ** (exponent - 25); // (1 + fraction / 2^10) · 2^(exponent − 15)
}

/** The `size` float32 values stored from `offset` of `bytes` (the caller checked that they lie within). */
export function decodeValues(bytes: Uint8Array, offset: number, size: number, stored: StoredAs): Float32Array {
  // A copy, so that its buffer starts aligned for any element size whatever the offset.
  const raw = bytes.slice(offset, offset + size * BYTES_PER_VALUE[stored.dtype]).buffer;
  switch (stored.dtype) {
    case 'float32':
      return new Float32Array(raw);
    case 'float16':
      return Float32Array.from(new Uint16Array(raw), halfToFloat);
    case 'uint8':
    case 'uint16': {
      const { scale, min } = stored;
      return Float32Array.from(stored.dtype === 'uint8' ? new Uint8Array(raw) : new Uint16Array(raw), (q) => q * scale + min);
    }
  }
}

/** C = op(A) · op(B) for row-major A and B, where op transposes when asked; summed in double precision. C is [rows × cols]. */
export function matmul(
  a: Float32Array,
  b: Float32Array,
  rows: number,
  inner: number,
  cols: number,
  { transposeA = false, transposeB = false } = {},
): Float32Array {
  const c = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let col = 0; col < cols; col++) {
      let sum = 0;
      for (let k = 0; k < inner; k++) {
        const av = transposeA ? a[k * rows + r] : a[r * inner + k];
        const bv = transposeB ? b[col * inner + k] : b[k * cols + col];
        sum += av * bv;
      }
      c[r * cols + col] = sum;
    }
  }
  return c;
}

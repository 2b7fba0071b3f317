// matmul.wgsl: the tiled matrix product C = A · B shared by the forward, backprop and update kernels.
//
// A workgroup of 8 × 8 invocations computes a 32 × 32 block of C. It walks the inner dimension 32 at a time:
// the invocations stage a 32 × 32 tile of A and a 32 × 32 tile of B in workgroup memory, then each one
// accumulates its own 4 × 4 block of C in registers, as four vec4 rows. Elements outside A or B read as 0,
// so any shape works, not only multiples of the tile.
//
// The kernel that includes this file says how elements are read, which is where transposes, row gathers and
// the bias's column of ones live, and what happens to each result (the epilogue):
//   fn load_a(row: u32, k: u32) -> f32      called only for row < rows, k < inner
//   fn load_b(k: u32, col: u32) -> f32      called only for k < inner, col < cols
// No bindings of its own.

const TILE_M = 32u;
const TILE_N = 32u;
const TILE_K = 32u;

// tile_a[k * 8 + r4] holds A[row0 + 4·r4 .. +4, k0 + k]; tile_b[k * 8 + c4] holds B[k0 + k, col0 + 4·c4 .. +4].
var<workgroup> tile_a: array<vec4f, 256>;
var<workgroup> tile_b: array<vec4f, 256>;

struct Block {
  row: u32, // C row of sums[0]
  col: u32, // C column of sums[i].x
  sums: array<vec4f, 4>, // sums[i][j] = C[row + i, col + j]
}

fn a_or_zero(row: u32, k: u32, rows: u32, inner: u32) -> f32 {
  if (row < rows && k < inner) { return load_a(row, k); }
  return 0.0;
}

fn b_or_zero(k: u32, col: u32, inner: u32, cols: u32) -> f32 {
  if (k < inner && col < cols) { return load_b(k, col); }
  return 0.0;
}

fn matmul_block(group: vec2u, local: vec3u, rows: u32, cols: u32, inner: u32) -> Block {
  let row0 = group.y * TILE_M;
  let col0 = group.x * TILE_N;
  let index = local.y * 8u + local.x;
  var sums: array<vec4f, 4>;
  for (var k0 = 0u; k0 < inner; k0 += TILE_K) {
    // 64 invocations stage 256 vec4s of each tile: four each.
    for (var s = index; s < 256u; s += 64u) {
      let k = s / 8u;
      let r = row0 + (s % 8u) * 4u;
      tile_a[s] = vec4f(a_or_zero(r, k0 + k, rows, inner), a_or_zero(r + 1u, k0 + k, rows, inner),
                        a_or_zero(r + 2u, k0 + k, rows, inner), a_or_zero(r + 3u, k0 + k, rows, inner));
      let c = col0 + (s % 8u) * 4u;
      tile_b[s] = vec4f(b_or_zero(k0 + k, c, inner, cols), b_or_zero(k0 + k, c + 1u, inner, cols),
                        b_or_zero(k0 + k, c + 2u, inner, cols), b_or_zero(k0 + k, c + 3u, inner, cols));
    }
    workgroupBarrier();
    for (var k = 0u; k < TILE_K; k++) {
      let a = tile_a[k * 8u + local.y];
      let b = tile_b[k * 8u + local.x];
      sums[0] += a.x * b;
      sums[1] += a.y * b;
      sums[2] += a.z * b;
      sums[3] += a.w * b;
    }
    workgroupBarrier();
  }
  return Block(row0 + local.y * 4u, col0 + local.x * 4u, sums);
}

// Workgroups to dispatch for a rows × cols result: (ceil(cols / 32), ceil(rows / 32)), `group` being the
// workgroup's place in that grid (step.wgsl's unfold).

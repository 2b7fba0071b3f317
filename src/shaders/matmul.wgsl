// matmul.wgsl: the tiled matrix product C = A · B shared by the forward, backprop and update kernels.
//
// A workgroup of 4 × 4 invocations computes a 16 × 16 block of C. It walks the inner dimension 16 at a time:
// the invocations stage a 16 × 16 tile of A and a 16 × 16 tile of B in workgroup memory, then each one
// accumulates its own 4 × 4 block of C in registers, as four vec4 rows. Elements outside A or B read as 0,
// so any shape works, not only multiples of the tile. The tile is small on purpose: a workgroup's fixed cost
// (the zeroing of its workgroup memory above all) dominates small layers, and small tiles give small layers
// more workgroups to spread over the GPU's cores (measured in docs/performance.md).
//
// The kernel that includes this file says how elements are read, which is where transposes, row gathers and
// the bias's column of ones live, and what happens to each result (the epilogue):
//   fn load_a(row: u32, k: u32) -> f32      called only for row < rows, k < inner
//   fn load_b(k: u32, col: u32) -> f32      called only for k < inner, col < cols
// No bindings of its own.

// SIDE × SIDE invocations per workgroup, each computing a 4 × 4 block: a TILE × TILE block of C per workgroup.
const SIDE = 4u;
const TILE = SIDE * 4u;
const TILE_K = 16u;
const THREADS = SIDE * SIDE;
const STAGED = TILE_K * SIDE; // vec4s per staged tile

// tile_a[k * SIDE + r4] holds A[row0 + 4·r4 .. +4, k0 + k]; tile_b[k * SIDE + c4] holds B[k0 + k, col0 + 4·c4 .. +4].
var<workgroup> tile_a: array<vec4f, STAGED>;
var<workgroup> tile_b: array<vec4f, STAGED>;

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
  let row0 = group.y * TILE;
  let col0 = group.x * TILE;
  let index = local.y * SIDE + local.x;
  var sums: array<vec4f, 4>;
  for (var k0 = 0u; k0 < inner; k0 += TILE_K) {
    // The invocations stage STAGED vec4s of each tile between them.
    for (var s = index; s < STAGED; s += THREADS) {
      let k = s / SIDE;
      let r = row0 + (s % SIDE) * 4u;
      tile_a[s] = vec4f(a_or_zero(r, k0 + k, rows, inner), a_or_zero(r + 1u, k0 + k, rows, inner),
                        a_or_zero(r + 2u, k0 + k, rows, inner), a_or_zero(r + 3u, k0 + k, rows, inner));
      let c = col0 + (s % SIDE) * 4u;
      tile_b[s] = vec4f(b_or_zero(k0 + k, c, inner, cols), b_or_zero(k0 + k, c + 1u, inner, cols),
                        b_or_zero(k0 + k, c + 2u, inner, cols), b_or_zero(k0 + k, c + 3u, inner, cols));
    }
    workgroupBarrier();
    for (var k = 0u; k < TILE_K; k++) {
      let a = tile_a[k * SIDE + local.y];
      let b = tile_b[k * SIDE + local.x];
      sums[0] += a.x * b;
      sums[1] += a.y * b;
      sums[2] += a.z * b;
      sums[3] += a.w * b;
    }
    workgroupBarrier();
  }
  return Block(row0 + local.y * 4u, col0 + local.x * 4u, sums);
}

// Workgroups to dispatch for a rows × cols result: (ceil(cols / TILE), ceil(rows / TILE)), `group` being the
// workgroup's place in that grid (step.wgsl's unfold).

// matmul.wgsl: what the three matrix products of a training step share: A·B (forward.wgsl), A·Bᵀ
// (backprop.wgsl) and Aᵀ·B (update.wgsl), each written out in the kernel file that uses it.
//
// Each invocation computes one 4 × 4 block of the result, straight from storage into registers: no workgroup
// memory and no barriers. Operands are read
// as vec4s: every matrix the kernels share is row-major with its rows padded to whole vec4s, the padding zero
// (layouts in src/runtime/README.md). Measured in docs/performance.md: on a CPU-emulated GPU a load costs about
// the same whether it brings one float or four, and workgroup memory costs a zero-fill and a barrier per workgroup;
// on any GPU, vec4 loads and register blocks cut the loads per multiply-add.
//
// Each product reads its operands through load functions of the kernel (`load_a4`, `load_b4`, ...), which is where
// transposes, row gathers and the bias's column of ones live; rows and columns are clamped into range before the
// call. No bindings of its own.

// A workgroup is COLUMN_BLOCKS × SIDE invocations: SIDE · 4 rows of the result by COLUMN_BLOCKS · 4 columns. The
// plan sets COLUMN_BLOCKS to the result's blocks of 4 columns (at most 16), so a narrow layer's workgroup ends at
// its last column instead of computing blocks past it.
const SIDE = 4u;
override COLUMN_BLOCKS: u32 = 4u;

struct Block {
  row: u32, // result row of sums[0]
  col: u32, // result column of sums[i].x, a multiple of 4
  sums: array<vec4f, 4>, // sums[i][j] = C[row + i, col + j]
}

// The first column (in vec4s) and first row of the block of invocation `local` in workgroup `group`, each invocation
// covering `rows` rows. The products clamp the rows and columns they read into range: blocks past the edge compute
// on repeated rows and store nothing.
fn block_origin(group: vec2u, local: vec3u, rows: u32) -> vec2u {
  return vec2u(group.x * COLUMN_BLOCKS + local.x, (group.y * SIDE + local.y) * rows);
}

// Workgroups to dispatch for a rows × cols result: (ceil(cols / (4 · COLUMN_BLOCKS)), ceil(rows / (4 · SIDE))),
// `group` being the workgroup's place in that grid (step.wgsl's unfold).

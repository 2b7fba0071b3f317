// update.wgsl: the optimizer step of one layer, with the gradient [a | 1]ᵀ · dz computed as an Aᵀ·B matmul: the
// column of ones appended to the input makes the last row of the product the bias gradient Σ_rows dz. The
// update is the epilogue, so gradients never reach memory. One entry point per optimizer, each the WGSL twin of
// its `apply` in src/model/optimizers.ts.
// Includes step.wgsl, matmul.wgsl.
//
// Bindings (group 0):
//   0 step        uniform Step: this step's rows of the epoch and its index
//   1 order       array<u32>  [epoch rows]: dataset row of each epoch position (layer 0 only reads through it)
//   2 input       array<vec4f> layer 0: the dataset [dataset rows × INPUTS]; later layers: a[l−1] [rows × INPUTS]
//   3 deltas      array<vec4f> [rows × UNITS]: dz of this layer
//   4 weights     array<vec4f> [(INPUTS + 1) × UNITS], updated in place: the kernel, then the bias row
//   update_adam, update_rmsprop only:
//   5 moments     array<vec4f> [slots × (INPUTS + 1) × UNITS], updated in place: Adam's m then v; RMSprop's s
//   update_adam only:
//   6 corrections array<f32>  [2 × steps of the epoch]: Adam's 1 − β1^t and 1 − β2^t for each step's t, computed
//                             in double precision on the CPU (in float32, 1 − β2^t loses four digits to cancellation)
// Every matrix has its rows padded to vec4s; the padding of deltas is zero, so the padding of weights and
// moments never changes.

override INPUTS: u32;
override UNITS: u32;
override GATHER: bool;
override LEARNING_RATE: f32;
override BETA1: f32 = 0.9; // Adam
override BETA2: f32 = 0.999; // Adam
override RHO: f32 = 0.9; // RMSprop
override EPSILON: f32 = 1e-7; // Adam, RMSprop
override INPUTS4: u32 = (INPUTS + 3u) / 4u;
override UNITS4: u32 = (UNITS + 3u) / 4u;
override BLOCK_ROWS: u32 = 4u; // rows of G per invocation: 4, 8 or 16 (plan.ts picks)
override SIZE: u32 = (INPUTS + 1u) * UNITS4; // vec4s of weights per layer: the offset of Adam's v in moments

@group(0) @binding(1) var<storage, read> order: array<u32>;
@group(0) @binding(2) var<storage, read> input: array<vec4f>;
@group(0) @binding(3) var<storage, read> deltas: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> weights: array<vec4f>;
@group(0) @binding(5) var<storage, read_write> moments: array<vec4f>;
@group(0) @binding(6) var<storage, read> corrections: array<f32>;

fn source_row(row: u32) -> u32 {
  if (GATHER) { return order[step.row_start + row]; }
  return row;
}

// A = [input | 1]: row k is the input row k with a 1 appended at column INPUTS. An invocation reads four columns
// of it at a time, from column 4·r4: `AColumns` says, once per invocation, where they are in a row of input and
// which of them are past the input (zero) or the column of ones.
struct AColumns {
  index: u32, // vec4 of the input row, clamped into it
  real: bool, // whether the four columns are inside the input row (with its zero padding)
  ones: vec4f, // 1 at column INPUTS, else 0
}

fn a_columns(r4: u32) -> AColumns {
  let ones = select(vec4f(), vec4f(1.0), vec4u(r4 * 4u) + vec4u(0u, 1u, 2u, 3u) == vec4u(INPUTS));
  return AColumns(min(r4, INPUTS4 - 1u), r4 < INPUTS4, ones);
}

// Four columns of row k of A; `row` is where input row k starts (source_row · INPUTS4).
fn load_at4(row: u32, columns: AColumns) -> vec4f {
  return select(vec4f(), input[row + columns.index], columns.real) + columns.ones;
}
fn load_b4(k: u32, c4: u32) -> vec4f { return deltas[k * UNITS4 + c4]; }

// A BLOCK_ROWS × 4 block of the gradient: up to four 4 × 4 blocks stacked, sharing each term's dz and source row.
struct Gradient {
  row: u32,
  col: u32,
  sums: array<vec4f, 16>, // sums[i][j] = G[row + i, col + j], i < BLOCK_ROWS
}

// G = [a | 1]ᵀ · dz: [(INPUTS + 1) × rows] · [rows × UNITS], one outer product of vec4s per row of the step for
// each 4 rows of the block. A workgroup covers SIDE · BLOCK_ROWS rows × 4 · COLUMN_BLOCKS columns of G. The branches on BLOCK_ROWS
// are resolved when the pipeline is made.
fn gradient_block(group: vec2u, local: vec3u) -> Gradient {
  let origin = block_origin(group, local, BLOCK_ROWS);
  let r4 = origin.y / 4u;
  let c4 = min(origin.x, UNITS4 - 1u);
  let columns = array(a_columns(r4), a_columns(r4 + 1u), a_columns(r4 + 2u), a_columns(r4 + 3u));
  var sums: array<vec4f, 16>;
  for (var k = 0u; k < step.rows; k++) {
    let row = source_row(k) * INPUTS4;
    let b = load_b4(k, c4);
    let a0 = load_at4(row, columns[0]);
    sums[0] += a0.x * b;
    sums[1] += a0.y * b;
    sums[2] += a0.z * b;
    sums[3] += a0.w * b;
    if (BLOCK_ROWS >= 8u) {
      let a1 = load_at4(row, columns[1]);
      sums[4] += a1.x * b;
      sums[5] += a1.y * b;
      sums[6] += a1.z * b;
      sums[7] += a1.w * b;
    }
    if (BLOCK_ROWS == 16u) {
      let a2 = load_at4(row, columns[2]);
      let a3 = load_at4(row, columns[3]);
      sums[8] += a2.x * b;
      sums[9] += a2.y * b;
      sums[10] += a2.z * b;
      sums[11] += a2.w * b;
      sums[12] += a3.x * b;
      sums[13] += a3.y * b;
      sums[14] += a3.z * b;
      sums[15] += a3.w * b;
    }
  }
  return Gradient(origin.y, origin.x * 4u, sums);
}

const NONE = 0xffffffffu;

// The index in weights of row i of the block, or NONE (past the bias row or the last column).
fn weight_index(block: Gradient, i: u32) -> u32 {
  if (block.row + i > INPUTS || block.col >= UNITS) { return NONE; }
  return (block.row + i) * UNITS4 + block.col / 4u;
}

// SGD: w ← w − α·g.
@compute @workgroup_size(COLUMN_BLOCKS, SIDE)
fn update_sgd(@builtin(workgroup_id) id: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_id) local: vec3u) {
  let block = gradient_block(unfold(id, groups), local);
  for (var i = 0u; i < BLOCK_ROWS; i++) {
    let w = weight_index(block, i);
    if (w != NONE) { weights[w] -= LEARNING_RATE * block.sums[i]; }
  }
}

// Adam: m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g², w ← w − α·(m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε).
@compute @workgroup_size(COLUMN_BLOCKS, SIDE)
fn update_adam(@builtin(workgroup_id) id: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_id) local: vec3u) {
  let block = gradient_block(unfold(id, groups), local);
  let correction1 = corrections[2u * step.index];
  let correction2 = corrections[2u * step.index + 1u];
  for (var i = 0u; i < BLOCK_ROWS; i++) {
    let w = weight_index(block, i);
    if (w != NONE) {
      let g = block.sums[i];
      let m = BETA1 * moments[w] + (1.0 - BETA1) * g;
      let v = BETA2 * moments[SIZE + w] + (1.0 - BETA2) * g * g;
      moments[w] = m;
      moments[SIZE + w] = v;
      weights[w] -= LEARNING_RATE * (m / correction1) / (sqrt(v / correction2) + EPSILON);
    }
  }
}

// RMSprop: s ← ρ·s + (1 − ρ)·g², w ← w − α·g / √(s + ε).
@compute @workgroup_size(COLUMN_BLOCKS, SIDE)
fn update_rmsprop(@builtin(workgroup_id) id: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_id) local: vec3u) {
  let block = gradient_block(unfold(id, groups), local);
  for (var i = 0u; i < BLOCK_ROWS; i++) {
    let w = weight_index(block, i);
    if (w != NONE) {
      let g = block.sums[i];
      let s = RHO * moments[w] + (1.0 - RHO) * g * g;
      moments[w] = s;
      weights[w] -= LEARNING_RATE * g / sqrt(s + EPSILON);
    }
  }
}

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

// A tile of Aᵀ: four columns of A (rows of Aᵀ) by its rows k .. k + 3, which start in input where `rows` says.
fn load_at(rows: vec4u, columns: AColumns) -> Tile {
  return transposed(Tile(select(vec4f(), input[rows.x + columns.index], columns.real) + columns.ones,
                         select(vec4f(), input[rows.y + columns.index], columns.real) + columns.ones,
                         select(vec4f(), input[rows.z + columns.index], columns.real) + columns.ones,
                         select(vec4f(), input[rows.w + columns.index], columns.real) + columns.ones));
}
// Rows k .. k + 3 of dz at vec4 column c4 (clamped to the units), zero past the step's rows, so that those terms
// add nothing.
fn load_b(k: u32, c4: u32) -> Tile {
  let last = step.rows - 1u;
  let c = min(c4, UNITS4 - 1u);
  return Tile(deltas[k * UNITS4 + c], select(vec4f(), deltas[min(k + 1u, last) * UNITS4 + c], k + 1u <= last),
              select(vec4f(), deltas[min(k + 2u, last) * UNITS4 + c], k + 2u <= last), select(vec4f(), deltas[min(k + 3u, last) * UNITS4 + c], k + 3u <= last));
}

// The block's tiles of Aᵀ for its rows `rows` of A: one per tile row, at the columns `columns` says.
fn a_tiles(rows: vec4u, columns: array<AColumns, TILE_ROWS>) -> TileColumn {
  var a: TileColumn;
  a[0] = load_at(rows, columns[0]);
  if (TILE_ROWS > 1u) { a[1u % TILE_ROWS] = load_at(rows, columns[1u % TILE_ROWS]); }
  if (TILE_ROWS > 2u) { a[2u % TILE_ROWS] = load_at(rows, columns[2u % TILE_ROWS]); }
  if (TILE_ROWS > 3u) { a[3u % TILE_ROWS] = load_at(rows, columns[3u % TILE_ROWS]); }
  if (TILE_ROWS > 4u) { a[4u % TILE_ROWS] = load_at(rows, columns[4u % TILE_ROWS]); }
  if (TILE_ROWS > 5u) { a[5u % TILE_ROWS] = load_at(rows, columns[5u % TILE_ROWS]); }
  if (TILE_ROWS > 6u) { a[6u % TILE_ROWS] = load_at(rows, columns[6u % TILE_ROWS]); }
  if (TILE_ROWS > 7u) { a[7u % TILE_ROWS] = load_at(rows, columns[7u % TILE_ROWS]); }
  return a;
}

// G = [a | 1]ᵀ · dz: [(INPUTS + 1) × rows] · [rows × UNITS], four rows of the step per pass, each looked up in
// the order once per invocation and pass.
fn gradient_block(group: vec2u, local: vec3u) -> Block {
  let origin = block_origin(group, local);
  var columns: array<AColumns, TILE_ROWS>;
  columns[0] = a_columns(origin.y / 4u);
  if (TILE_ROWS > 1u) { columns[1u % TILE_ROWS] = a_columns(origin.y / 4u + 1u); }
  if (TILE_ROWS > 2u) { columns[2u % TILE_ROWS] = a_columns(origin.y / 4u + 2u); }
  if (TILE_ROWS > 3u) { columns[3u % TILE_ROWS] = a_columns(origin.y / 4u + 3u); }
  if (TILE_ROWS > 4u) { columns[4u % TILE_ROWS] = a_columns(origin.y / 4u + 4u); }
  if (TILE_ROWS > 5u) { columns[5u % TILE_ROWS] = a_columns(origin.y / 4u + 5u); }
  if (TILE_ROWS > 6u) { columns[6u % TILE_ROWS] = a_columns(origin.y / 4u + 6u); }
  if (TILE_ROWS > 7u) { columns[7u % TILE_ROWS] = a_columns(origin.y / 4u + 7u); }
  var sums: array<TileRow, TILE_ROWS>;
  for (var k = 0u; k < step.rows; k += 4u) {
    let last = step.rows - 1u;
    let rows = vec4u(source_row(k), source_row(min(k + 1u, last)), source_row(min(k + 2u, last)), source_row(min(k + 3u, last))) * INPUTS4;
    multiply_add(&sums, a_tiles(rows, columns), b_tiles(k, origin.x / 4u));
  }
  return Block(origin.y, origin.x, sums);
}

const NONE = 0xffffffffu;

// The index in weights of a row of the block, or NONE (past the bias row or the last column).
fn weight_index(g: BlockRow) -> u32 {
  if (g.row > INPUTS || g.col >= UNITS) { return NONE; }
  return g.row * UNITS4 + g.col / 4u;
}

// SGD: w ← w − α·g.
@compute @workgroup_size(GROUP_X, GROUP_Y)
fn update_sgd(@builtin(workgroup_id) id: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_id) local: vec3u) {
  var block = gradient_block(unfold(id, groups), local);
  for (var n = 0u; n < BLOCK_VECTORS; n++) {
    let gradient = block_row(&block, n);
    let w = weight_index(gradient);
    if (w != NONE) { weights[w] -= LEARNING_RATE * gradient.sums; }
  }
}

// Adam: m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g², w ← w − α·(m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε).
@compute @workgroup_size(GROUP_X, GROUP_Y)
fn update_adam(@builtin(workgroup_id) id: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_id) local: vec3u) {
  var block = gradient_block(unfold(id, groups), local);
  let correction1 = corrections[2u * step.index];
  let correction2 = corrections[2u * step.index + 1u];
  for (var n = 0u; n < BLOCK_VECTORS; n++) {
    let gradient = block_row(&block, n);
    let w = weight_index(gradient);
    if (w != NONE) {
      let g = gradient.sums;
      let m = BETA1 * moments[w] + (1.0 - BETA1) * g;
      let v = BETA2 * moments[SIZE + w] + (1.0 - BETA2) * g * g;
      moments[w] = m;
      moments[SIZE + w] = v;
      weights[w] -= LEARNING_RATE * (m / correction1) / (sqrt(v / correction2) + EPSILON);
    }
  }
}

// RMSprop: s ← ρ·s + (1 − ρ)·g², w ← w − α·g / √(s + ε).
@compute @workgroup_size(GROUP_X, GROUP_Y)
fn update_rmsprop(@builtin(workgroup_id) id: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_id) local: vec3u) {
  var block = gradient_block(unfold(id, groups), local);
  for (var n = 0u; n < BLOCK_VECTORS; n++) {
    let gradient = block_row(&block, n);
    let w = weight_index(gradient);
    if (w != NONE) {
      let g = gradient.sums;
      let s = RHO * moments[w] + (1.0 - RHO) * g * g;
      moments[w] = s;
      weights[w] -= LEARNING_RATE * g / sqrt(s + EPSILON);
    }
  }
}

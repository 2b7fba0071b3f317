// update.wgsl: the gradient of a Dense layer's weights, [a | 1]ᵀ · dz, as an Aᵀ·B matmul: the column of ones
// appended to the input makes the last row of the product the bias gradient Σ_rows dz. Each vec4 of the gradient,
// with its penalty's gradient added (`penalized`, penalty.ts), is handed to `update(index, g)` at its place in the
// weights, which the plan generates (runtime/epilogues.ts) from the optimizer's rule, so gradients never reach memory.
// Each invocation then stores the penalty of the weights it updated (`store_penalty`).
// Includes step.wgsl, matmul.wgsl; the plan appends the penalty's and the update's epilogues.
//
// Bindings (group 0), after step.wgsl's 0 and 1:
//   2 input   array<vec4f> layer 0: the dataset [dataset rows × INPUTS]; later layers: a[l−1] [rows × INPUTS]
//   3 deltas  array<vec4f> [rows × UNITS]: dz of this layer
//   4 ...     the epilogues': the penalties, then the weights [(INPUTS + 1) × UNITS] as `parameters` and the optimizer's
//             state, updated in place
// Every matrix has its rows padded to vec4s; the padding of deltas is zero, so the padding of weights and
// moments never changes. Per member (step.wgsl): the input, INPUT_STRIDE vec4s apart (0 for the dataset), and the
// deltas, DELTAS_STRIDE apart; the epilogues offset theirs. A member that no longer trains computes nothing.

override INPUTS: u32;
override UNITS: u32;
override GATHER: bool;
override USE_BIAS: bool = true;
override INPUTS4: u32 = (INPUTS + 3u) / 4u;
override UNITS4: u32 = (UNITS + 3u) / 4u;
override INPUT_STRIDE: u32 = 0u;
override DELTAS_STRIDE: u32 = 0u;

@group(0) @binding(2) var<storage, read> input: array<vec4f>;
@group(0) @binding(3) var<storage, read> deltas: array<vec4f>;

fn source_row(row: u32) -> u32 {
  if (GATHER) { return source_of(row); }
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
  return AColumns(member * INPUT_STRIDE + min(r4, INPUTS4 - 1u), r4 < INPUTS4, ones);
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
  let c = member * DELTAS_STRIDE + min(c4, UNITS4 - 1u);
  return Tile(deltas[k * UNITS4 + c], select(vec4f(), deltas[min(k + 1u, last) * UNITS4 + c], k + 1u <= last),
              select(vec4f(), deltas[min(k + 2u, last) * UNITS4 + c], k + 2u <= last), select(vec4f(), deltas[min(k + 3u, last) * UNITS4 + c], k + 3u <= last));
}

// The block's tiles of Aᵀ for its rows `rows` of A: one per tile row, at the columns `columns` says.
fn a_tiles(rows: vec4u, columns: array<AColumns, TILE_ROWS>) -> TileColumn {
  var a: TileColumn;
  //#for i < TILE_ROWS
  a[{i}] = load_at(rows, columns[{i}]);
  //#end
  return a;
}

// G = [a | 1]ᵀ · dz: [(INPUTS + 1) × rows] · [rows × UNITS], four rows of the step per pass, each looked up in
// the order once per invocation and pass.
fn gradient_block(group: vec2u, local: vec3u) -> Block {
  let origin = block_origin(group, local);
  var columns: array<AColumns, TILE_ROWS>;
  //#for i < TILE_ROWS
  columns[{i}] = a_columns(origin.y / 4u + {i}u);
  //#end
  var sums: array<TileRow, TILE_ROWS>;
  for (var k = 0u; k < step.rows; k += 4u) {
    let last = step.rows - 1u;
    let rows = vec4u(source_row(k), source_row(min(k + 1u, last)), source_row(min(k + 2u, last)), source_row(min(k + 3u, last))) * INPUTS4;
    multiply_add(&sums, a_tiles(rows, columns), b_tiles(k, origin.x / 4u));
  }
  return Block(origin.y, origin.x, sums);
}

const NONE = 0xffffffffu;

// The index in weights of a row of the block, or NONE (past the bias row, or the bias row of a layer without one,
// or past the last column).
fn weight_index(g: BlockRow) -> u32 {
  if (g.row > INPUTS || (g.row == INPUTS && !USE_BIAS) || g.col >= UNITS) { return NONE; }
  return g.row * UNITS4 + g.col / 4u;
}

@compute @workgroup_size(GROUP_X, GROUP_Y)
fn gradient(@builtin(workgroup_id) id: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_id) local: vec3u) {
  let group = unfold(id, groups);
  if (!member_trains()) { return; }
  var block = gradient_block(group, local);
  for (var n = 0u; n < BLOCK_VECTORS; n++) {
    let g = block_row(&block, n);
    let w = weight_index(g);
    if (w != NONE) { update(w, penalized(w, g.row, g.sums)); }
  }
  store_penalty((group.y * groups.x + group.x) * GROUP_X * GROUP_Y + local.y * GROUP_X + local.x);
}

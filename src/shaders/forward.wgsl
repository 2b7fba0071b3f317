// forward.wgsl: one Dense layer forward, activations = g(input · W + b), with the bias and g fused into the
// matmul epilogue. Entry points: `forward` for hidden layers (and softmax layers, written as z for softmax.wgsl);
// `forward_loss` for an element-wise output layer, which also writes each element's loss, whether it is
// classified right, and the deltas dJ/dz that backpropagation starts from.
// Includes step.wgsl, matmul.wgsl, activations.wgsl, losses.wgsl.
//
// Bindings (group 0):
//   0 step         uniform Step: this step's rows of the epoch, order[row_start .. row_start + rows)
//   1 order        array<u32>  [epoch rows]: dataset row of each epoch position (the shuffle)
//   2 input        array<vec4f> layer 0: the dataset [dataset rows × INPUTS], read through order;
//                              later layers: the previous activations [rows × INPUTS]; rows padded to vec4s
//   3 weights      array<vec4f> [(INPUTS + 1) × UNITS]: the kernel, then the bias as its last row; rows padded
//   4 activations  array<vec4f> [rows × OUT_STRIDE floats], written: OUT_STRIDE is UNITS padded to a multiple of 4
//                              for a hidden layer (its padding stays 0), UNITS for the output layer (read back as
//                              it is)
//   forward_loss only:
//   5 labels       array<f32>  [dataset rows × UNITS], read through order
//   6 deltas       array<f32>  [rows × UNITS], rows padded to vec4s, written: dJ/dz of this layer
//   7 losses       array<f32>  [epoch rows × UNITS], written: L(a, y) of each element at its epoch position
//   8 correct      array<f32>  [epoch rows × UNITS], written: 1 where (a > 0.5) equals y, else 0

override INPUTS: u32;
override UNITS: u32;
override ACTIVATION: u32; // 0 linear, 1 sigmoid, 2 relu, 3 tanh
override GATHER: bool; // input rows come from the dataset through order
override OUT_STRIDE: u32;
override LOSS: u32 = 0u; // forward_loss: 1 binary cross-entropy, 2 mean squared error

@group(0) @binding(1) var<storage, read> order: array<u32>;
@group(0) @binding(2) var<storage, read> input: array<vec4f>;
@group(0) @binding(3) var<storage, read> weights: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> activations: array<vec4f>;
@group(0) @binding(5) var<storage, read> labels: array<f32>;
@group(0) @binding(6) var<storage, read_write> deltas: array<f32>;
@group(0) @binding(7) var<storage, read_write> losses: array<f32>;
@group(0) @binding(8) var<storage, read_write> correct: array<f32>;

fn source_row(row: u32) -> u32 {
  if (GATHER) { return order[step.row_start + row]; }
  return row;
}

override INPUTS4: u32 = (INPUTS + 3u) / 4u; // vec4s per input row
override UNITS4: u32 = (UNITS + 3u) / 4u; // vec4s per weight row

// Where row `row` of A starts in input, looked up once per row (through the order for layer 0); rows past the
// last repeat it.
fn a_start(row: u32, rows: u32) -> u32 { return source_row(min(row, rows - 1u)) * INPUTS4; }
fn a_starts(row: u32, rows: u32) -> vec4u {
  return vec4u(a_start(row, rows), a_start(row + 1u, rows), a_start(row + 2u, rows), a_start(row + 3u, rows));
}
// Four rows of A, from where `starts` says, four terms from term 4·k4.
fn load_a(starts: vec4u, k4: u32) -> Tile {
  return Tile(input[starts.x + k4], input[starts.y + k4], input[starts.z + k4], input[starts.w + k4]);
}
// Rows k .. k + 3 of W at its vec4 column c4 (clamped to the units), clamped to the last row of the kernel: terms
// past the inputs meet A's zero padding, so they add nothing.
fn load_b(k: u32, c4: u32) -> Tile {
  let last = INPUTS - 1u;
  let c = min(c4, UNITS4 - 1u);
  return Tile(weights[k * UNITS4 + c], weights[min(k + 1u, last) * UNITS4 + c],
              weights[min(k + 2u, last) * UNITS4 + c], weights[min(k + 3u, last) * UNITS4 + c]);
}

// The block's tiles of A for the four terms from 4·k4: one per tile row.
fn a_tiles(starts: array<vec4u, TILE_ROWS>, k4: u32) -> TileColumn {
  var a: TileColumn;
  a[0] = load_a(starts[0], k4);
  if (TILE_ROWS > 1u) { a[1u % TILE_ROWS] = load_a(starts[1u % TILE_ROWS], k4); }
  if (TILE_ROWS > 2u) { a[2u % TILE_ROWS] = load_a(starts[2u % TILE_ROWS], k4); }
  if (TILE_ROWS > 3u) { a[3u % TILE_ROWS] = load_a(starts[3u % TILE_ROWS], k4); }
  if (TILE_ROWS > 4u) { a[4u % TILE_ROWS] = load_a(starts[4u % TILE_ROWS], k4); }
  if (TILE_ROWS > 5u) { a[5u % TILE_ROWS] = load_a(starts[5u % TILE_ROWS], k4); }
  if (TILE_ROWS > 6u) { a[6u % TILE_ROWS] = load_a(starts[6u % TILE_ROWS], k4); }
  if (TILE_ROWS > 7u) { a[7u % TILE_ROWS] = load_a(starts[7u % TILE_ROWS], k4); }
  return a;
}

// A·W: [rows × INPUTS] · [INPUTS × UNITS], four terms of the inner dimension per pass.
fn matmul_ab(group: vec2u, local: vec3u, rows: u32) -> Block {
  let origin = block_origin(group, local);
  var starts: array<vec4u, TILE_ROWS>;
  starts[0] = a_starts(origin.y, rows);
  if (TILE_ROWS > 1u) { starts[1u % TILE_ROWS] = a_starts(origin.y + 4u, rows); }
  if (TILE_ROWS > 2u) { starts[2u % TILE_ROWS] = a_starts(origin.y + 8u, rows); }
  if (TILE_ROWS > 3u) { starts[3u % TILE_ROWS] = a_starts(origin.y + 12u, rows); }
  if (TILE_ROWS > 4u) { starts[4u % TILE_ROWS] = a_starts(origin.y + 16u, rows); }
  if (TILE_ROWS > 5u) { starts[5u % TILE_ROWS] = a_starts(origin.y + 20u, rows); }
  if (TILE_ROWS > 6u) { starts[6u % TILE_ROWS] = a_starts(origin.y + 24u, rows); }
  if (TILE_ROWS > 7u) { starts[7u % TILE_ROWS] = a_starts(origin.y + 28u, rows); }
  var sums: array<TileRow, TILE_ROWS>;
  for (var k4 = 0u; k4 < INPUTS4; k4++) {
    multiply_add(&sums, a_tiles(starts, k4), b_tiles(4u * k4, origin.x / 4u));
  }
  return Block(origin.y, origin.x, sums);
}

// z = a row of the block's sums + b, the bias being W's last row.
fn z_row(sums: BlockRow) -> vec4f {
  return sums.sums + weights[INPUTS * UNITS4 + min(sums.col / 4u, UNITS4 - 1u)];
}

// Stores a row's four activations from column `col`: one vec4 into padded rows, the padding kept 0, or element by
// element into the output layer's unpadded rows.
fn store_activations(row: u32, col: u32, a: vec4f) {
  if (OUT_STRIDE == UNITS4 * 4u) {
    activations[row * UNITS4 + col / 4u] = select(vec4f(), a, vec4u(col) + vec4u(0u, 1u, 2u, 3u) < vec4u(UNITS));
  } else {
    for (var j = 0u; j < 4u; j++) {
      let flat = row * OUT_STRIDE + col + j;
      if (col + j < UNITS) { activations[flat / 4u][flat % 4u] = a[j]; }
    }
  }
}

@compute @workgroup_size(GROUP_X, GROUP_Y)
fn forward(@builtin(workgroup_id) id: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_id) local: vec3u) {
  var block = matmul_ab(unfold(id, groups), local, step.rows);
  for (var n = 0u; n < BLOCK_VECTORS; n++) {
    let sums = block_row(&block, n);
    if (sums.row < step.rows && sums.col < UNITS) { store_activations(sums.row, sums.col, activate(ACTIVATION, z_row(sums))); }
  }
}

@compute @workgroup_size(GROUP_X, GROUP_Y)
fn forward_loss(@builtin(workgroup_id) id: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_id) local: vec3u) {
  var block = matmul_ab(unfold(id, groups), local, step.rows);
  let scale = 1.0 / f32(step.rows * UNITS);
  for (var n = 0u; n < BLOCK_VECTORS; n++) {
    let sums = block_row(&block, n);
    let row = sums.row;
    let zs = z_row(sums);
    let acts = activate(ACTIVATION, zs);
    if (row < step.rows && sums.col < UNITS) { store_activations(row, sums.col, acts); }
    for (var j = 0u; j < 4u; j++) {
      let col = sums.col + j;
      if (row < step.rows && col < UNITS) {
        let z = zs[j];
        let a = acts[j];
        let y = labels[order[step.row_start + row] * UNITS + col];
        deltas[row * UNITS4 * 4u + col] = loss_delta(LOSS, ACTIVATION, a, y, scale);
        let position = (step.row_start + row) * UNITS + col;
        losses[position] = loss_value(LOSS, ACTIVATION, z, a, y);
        correct[position] = select(0.0, 1.0, select(0.0, 1.0, a > 0.5) == y);
      }
    }
  }
}

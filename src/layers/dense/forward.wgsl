// forward.wgsl: a Dense layer forward, z = input · W + b, the bias being W's last row: an A·B matmul whose
// epilogue hands each row of the block's sums, plus the bias, to `emit(row, col, z)`. The plan generates `emit`
// (runtime/epilogues.ts): it applies what follows the product (the activation, dropout), stores the block's output
// and, at the network's output, scores it.
// Includes step.wgsl, matmul.wgsl; the plan appends the epilogue.
//
// Bindings (group 0), after step.wgsl's 0 and 1:
//   2 input    array<vec4f> layer 0: the dataset [dataset rows × INPUTS], read through order (GATHER); later layers:
//              the previous block's output [rows × INPUTS]; rows padded to vec4s
//   3 weights  array<vec4f> [(INPUTS + 1) × UNITS]: the kernel, then the bias as its last row; rows padded
//   4 ...      the epilogue's
// Per member (step.wgsl): the input, INPUT_STRIDE vec4s apart (0 for the dataset, which the members share), and
// the weights, WEIGHTS_STRIDE apart.

override INPUTS: u32;
override UNITS: u32;
override GATHER: bool; // input rows come from the dataset through order
override INPUT_STRIDE: u32 = 0u;
override WEIGHTS_STRIDE: u32 = 0u;

@group(0) @binding(2) var<storage, read> input: array<vec4f>;
@group(0) @binding(3) var<storage, read> weights: array<vec4f>;

override INPUTS4: u32 = (INPUTS + 3u) / 4u; // vec4s per input row
override UNITS4: u32 = (UNITS + 3u) / 4u; // vec4s per weight row

fn source_row(row: u32) -> u32 {
  if (GATHER) { return source_of(row); }
  return row;
}

// Where row `row` of A starts in input, looked up once per row (through the order for layer 0); rows past the
// last repeat it.
fn a_start(row: u32, rows: u32) -> u32 { return member * INPUT_STRIDE + source_row(min(row, rows - 1u)) * INPUTS4; }
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
  let c = member * WEIGHTS_STRIDE + min(c4, UNITS4 - 1u);
  return Tile(weights[k * UNITS4 + c], weights[min(k + 1u, last) * UNITS4 + c],
              weights[min(k + 2u, last) * UNITS4 + c], weights[min(k + 3u, last) * UNITS4 + c]);
}

// The block's tiles of A for the four terms from 4·k4: one per tile row.
fn a_tiles(starts: array<vec4u, TILE_ROWS>, k4: u32) -> TileColumn {
  var a: TileColumn;
  //#for i < TILE_ROWS
  a[{i}] = load_a(starts[{i}], k4);
  //#end
  return a;
}

// A·W: [rows × INPUTS] · [INPUTS × UNITS], four terms of the inner dimension per pass.
fn matmul_ab(group: vec2u, local: vec3u, rows: u32) -> Block {
  let origin = block_origin(group, local);
  var starts: array<vec4u, TILE_ROWS>;
  //#for i < TILE_ROWS
  starts[{i}] = a_starts(origin.y + 4u * {i}u, rows);
  //#end
  var sums: array<TileRow, TILE_ROWS>;
  for (var k4 = 0u; k4 < INPUTS4; k4++) {
    multiply_add(&sums, a_tiles(starts, k4), b_tiles(4u * k4, origin.x / 4u));
  }
  return Block(origin.y, origin.x, sums);
}

// z = a row of the block's sums + b, the bias being W's last row.
fn z_row(sums: BlockRow) -> vec4f {
  return sums.sums + weights[member * WEIGHTS_STRIDE + INPUTS * UNITS4 + min(sums.col / 4u, UNITS4 - 1u)];
}

@compute @workgroup_size(GROUP_X, GROUP_Y)
fn forward(@builtin(workgroup_id) id: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_id) local: vec3u) {
  var block = matmul_ab(unfold(id, groups), local, step.rows);
  for (var n = 0u; n < BLOCK_VECTORS; n++) {
    let sums = block_row(&block, n);
    if (sums.row < step.rows && sums.col < UNITS) { emit(sums.row, sums.col, z_row(sums)); }
  }
}

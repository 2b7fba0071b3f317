// backprop.wgsl: carries the deltas back through a Dense layer, dJ/d(input) = dz · Wᵀ: an A·Bᵀ matmul whose
// epilogue hands each row of the block's sums to `emit(row, col, d)`, which the plan generates
// (runtime/epilogues.ts) to carry them on through what followed the previous block's product (its activation's
// derivative, dropout's mask) and store them as that block's deltas.
// Includes step.wgsl, matmul.wgsl; the plan appends the epilogue.
//
// Bindings (group 0), after step.wgsl's 0 and 1, every matrix with its rows padded to vec4s:
//   2 deltas   array<vec4f> [rows × UNITS]: dz of this layer
//   3 weights  array<vec4f> [(INPUTS + 1) × UNITS]: this layer's kernel (the bias row is not read)
//   4 ...      the epilogue's
// Per member (step.wgsl): the deltas, DELTAS_STRIDE vec4s apart, and the weights, WEIGHTS_STRIDE apart.

override INPUTS: u32;
override UNITS: u32;
override INPUTS4: u32 = (INPUTS + 3u) / 4u;
override UNITS4: u32 = (UNITS + 3u) / 4u;
override DELTAS_STRIDE: u32 = 0u;
override WEIGHTS_STRIDE: u32 = 0u;

@group(0) @binding(2) var<storage, read> deltas: array<vec4f>;
@group(0) @binding(3) var<storage, read> weights: array<vec4f>;

// Four rows of dz from `row` (clamped to the step's rows), four terms from term 4·k4.
fn load_a(row: u32, rows: u32, k4: u32) -> Tile {
  let r = min(vec4u(row) + vec4u(0u, 1u, 2u, 3u), vec4u(rows - 1u)) * UNITS4 + member * DELTAS_STRIDE + k4;
  return Tile(deltas[r.x], deltas[r.y], deltas[r.z], deltas[r.w]);
}
// Four terms from 4·k4 of Wᵀ's columns 4·c4 .. 4·c4 + 3 (clamped to the inputs): rows of W, transposed.
fn load_b(k4: u32, c4: u32) -> Tile {
  let c = min(vec4u(4u * c4) + vec4u(0u, 1u, 2u, 3u), vec4u(INPUTS - 1u)) * UNITS4 + member * WEIGHTS_STRIDE + k4;
  return transposed(Tile(weights[c.x], weights[c.y], weights[c.z], weights[c.w]));
}

// The block's tiles of dz for the four terms from 4·k4: one per tile row, from row `row`.
fn a_tiles(row: u32, rows: u32, k4: u32) -> TileColumn {
  var a: TileColumn;
  //#for i < TILE_ROWS
  a[{i}] = load_a(row + 4u * {i}u, rows, k4);
  //#end
  return a;
}

// C = A·Bᵀ: [rows × UNITS] · [INPUTS × UNITS]ᵀ, four terms of the inner dimension per pass.
fn matmul_abt(group: vec2u, local: vec3u, rows: u32) -> Block {
  let origin = block_origin(group, local);
  var sums: array<TileRow, TILE_ROWS>;
  for (var k4 = 0u; k4 < UNITS4; k4++) {
    multiply_add(&sums, a_tiles(origin.y, rows, k4), b_tiles(k4, origin.x / 4u));
  }
  return Block(origin.y, origin.x, sums);
}

@compute @workgroup_size(GROUP_X, GROUP_Y)
fn backprop(@builtin(workgroup_id) id: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_id) local: vec3u) {
  var block = matmul_abt(unfold(id, groups), local, step.rows);
  for (var n = 0u; n < BLOCK_VECTORS; n++) {
    let sums = block_row(&block, n);
    if (sums.row < step.rows && sums.col < INPUTS) { emit(sums.row, sums.col, sums.sums); }
  }
}

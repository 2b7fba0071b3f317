// backprop.wgsl: carries the deltas one layer back, dz[l−1] = (dz[l] · W[l]ᵀ) ⊙ g'(a[l−1]): an A·Bᵀ matmul
// with the previous layer's activation derivative fused into the epilogue.
// Includes step.wgsl, matmul.wgsl, activations.wgsl.
//
// Bindings (group 0), every matrix with its rows padded to vec4s:
//   0 step            uniform Step: rows in this step
//   1 deltas          array<vec4f> [rows × UNITS]: dz of this layer
//   2 weights         array<vec4f> [(INPUTS + 1) × UNITS]: this layer's kernel (the bias row is not read)
//   3 activations     array<vec4f> [rows × INPUTS]: a of the previous layer
//   4 input_deltas    array<vec4f> [rows × INPUTS], written: dz of the previous layer (its padding stays 0)

override INPUTS: u32;
override UNITS: u32;
override ACTIVATION: u32; // of the previous layer
override INPUTS4: u32 = (INPUTS + 3u) / 4u;
override UNITS4: u32 = (UNITS + 3u) / 4u;

@group(0) @binding(1) var<storage, read> deltas: array<vec4f>;
@group(0) @binding(2) var<storage, read> weights: array<vec4f>;
@group(0) @binding(3) var<storage, read> activations: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> input_deltas: array<vec4f>;

// Four rows of dz from `row` (clamped to the step's rows), four terms from term 4·k4.
fn load_a(row: u32, rows: u32, k4: u32) -> Tile {
  let r = min(vec4u(row) + vec4u(0u, 1u, 2u, 3u), vec4u(rows - 1u));
  return Tile(deltas[r.x * UNITS4 + k4], deltas[r.y * UNITS4 + k4], deltas[r.z * UNITS4 + k4], deltas[r.w * UNITS4 + k4]);
}
// Four terms from 4·k4 of Wᵀ's columns 4·c4 .. 4·c4 + 3 (clamped to the inputs): rows of W, transposed.
fn load_b(k4: u32, c4: u32) -> Tile {
  let c = min(vec4u(4u * c4) + vec4u(0u, 1u, 2u, 3u), vec4u(INPUTS - 1u));
  return transposed(Tile(weights[c.x * UNITS4 + k4], weights[c.y * UNITS4 + k4], weights[c.z * UNITS4 + k4], weights[c.w * UNITS4 + k4]));
}

// The block's tiles of dz for the four terms from 4·k4: one per tile row, from row `row`.
fn a_tiles(row: u32, rows: u32, k4: u32) -> TileColumn {
  var a: TileColumn;
  a[0] = load_a(row, rows, k4);
  if (TILE_ROWS > 1u) { a[1u % TILE_ROWS] = load_a(row + 4u, rows, k4); }
  if (TILE_ROWS > 2u) { a[2u % TILE_ROWS] = load_a(row + 8u, rows, k4); }
  if (TILE_ROWS > 3u) { a[3u % TILE_ROWS] = load_a(row + 12u, rows, k4); }
  if (TILE_ROWS > 4u) { a[4u % TILE_ROWS] = load_a(row + 16u, rows, k4); }
  if (TILE_ROWS > 5u) { a[5u % TILE_ROWS] = load_a(row + 20u, rows, k4); }
  if (TILE_ROWS > 6u) { a[6u % TILE_ROWS] = load_a(row + 24u, rows, k4); }
  if (TILE_ROWS > 7u) { a[7u % TILE_ROWS] = load_a(row + 28u, rows, k4); }
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
    if (sums.row < step.rows && sums.col < INPUTS) {
      let real = vec4u(sums.col) + vec4u(0u, 1u, 2u, 3u) < vec4u(INPUTS); // columns inside dz[l−1]
      let index = sums.row * INPUTS4 + sums.col / 4u;
      input_deltas[index] = select(vec4f(), sums.sums * derivative(ACTIVATION, activations[index]), real);
    }
  }
}

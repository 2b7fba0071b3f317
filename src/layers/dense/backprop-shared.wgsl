// backprop-shared.wgsl: backprop.wgsl's A·Bᵀ staged through workgroup memory (shaders/matmul-shared.wgsl): the
// same loads (a_tiles, b_tiles), the same block and the same epilogue, `emit(row, col, d)`, for GPUs.
// Includes step.wgsl, matmul.wgsl, matmul-shared.wgsl, backprop.wgsl; the plan appends the epilogue.
// Bindings: backprop.wgsl's, with its strides per member (its loads offset by `member`).

// dz · Wᵀ as matmul_abt computes it, STAGE passes of four terms a stage: this invocation loads its block's rows of
// dz at the stage's pass local.x and its columns of Wᵀ at pass local.y (matmul-shared.wgsl says which invocations
// load).
fn matmul_abt_shared(group: vec2u, local: vec3u, rows: u32) -> Block {
  let origin = block_origin(group, local);
  var sums: array<TileRow, TILE_ROWS>;
  for (var k4 = 0u; k4 < UNITS4; k4 += STAGE) {
    // Zero unless loaded, initialised explicitly (forward-shared.wgsl says why).
    var a = TileColumn();
    var b = TileRow();
    if (local.x < STAGE && k4 + local.x < UNITS4) { a = a_tiles(origin.y, rows, k4 + local.x); }
    if (local.y < STAGE && k4 + local.y < UNITS4) { b = b_tiles(k4 + local.y, origin.x / 4u); }
    stage(local, a, b);
    multiply_stage(&sums, local, UNITS4 - k4);
  }
  return Block(origin.y, origin.x, sums);
}

@compute @workgroup_size(GROUP, GROUP)
fn backprop_shared(@builtin(workgroup_id) id: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_id) local: vec3u) {
  var block = matmul_abt_shared(unfold(id, groups), local, step.rows);
  for (var n = 0u; n < BLOCK_VECTORS; n++) {
    let sums = block_row(&block, n);
    if (sums.row < step.rows && sums.col < INPUTS) { emit(sums.row, sums.col, sums.sums); }
  }
}

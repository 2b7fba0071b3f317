// forward-shared.wgsl: forward.wgsl's A·B staged through workgroup memory (shaders/matmul-shared.wgsl): the same
// loads (a_tiles, b_tiles), the same block and the same epilogue, `emit(row, col, z)`, for GPUs.
// Includes step.wgsl, matmul.wgsl, matmul-shared.wgsl, forward.wgsl; the plan appends the epilogue.
// Bindings: forward.wgsl's, with its strides per member (its loads offset by `member`).

// A·W as matmul_ab computes it, STAGE passes of four terms a stage: this invocation loads its block's rows of A at
// the stage's pass local.x and its columns of W at pass local.y (matmul-shared.wgsl says which invocations load).
fn matmul_ab_shared(group: vec2u, local: vec3u, rows: u32) -> Block {
  let origin = block_origin(group, local);
  var starts: array<vec4u, TILE_ROWS>;
  //#for i < TILE_ROWS
  starts[{i}] = a_starts(origin.y + 4u * {i}u, rows);
  //#end
  var sums: array<TileRow, TILE_ROWS>;
  for (var k4 = 0u; k4 < INPUTS4; k4 += STAGE) {
    // Zero unless loaded, initialised explicitly: Dawn with SwiftShader keeps a loop body's `var a: T;` from the
    // iteration before.
    var a = TileColumn();
    var b = TileRow();
    if (local.x < STAGE && k4 + local.x < INPUTS4) { a = a_tiles(starts, k4 + local.x); }
    if (local.y < STAGE && k4 + local.y < INPUTS4) { b = b_tiles(4u * (k4 + local.y), origin.x / 4u); }
    stage(local, a, b);
    multiply_stage(&sums, local, INPUTS4 - k4);
  }
  return Block(origin.y, origin.x, sums);
}

@compute @workgroup_size(GROUP, GROUP)
fn forward_shared(@builtin(workgroup_id) id: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_id) local: vec3u) {
  var block = matmul_ab_shared(unfold(id, groups), local, step.rows);
  for (var n = 0u; n < BLOCK_VECTORS; n++) {
    let sums = block_row(&block, n);
    if (sums.row < step.rows && sums.col < UNITS) { emit(sums.row, sums.col, z_row(sums)); }
  }
}

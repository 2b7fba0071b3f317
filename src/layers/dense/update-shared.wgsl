// update-shared.wgsl: update.wgsl's Aᵀ·B staged through workgroup memory (shaders/matmul-shared.wgsl): the same
// loads (a_tiles, b_tiles), the same block and the same epilogues, `penalized`, `update(index, g)` and
// `store_penalty`, for GPUs.
// Includes step.wgsl, matmul.wgsl, matmul-shared.wgsl, update.wgsl; the plan appends the penalty's and the update's
// epilogues. Bindings: update.wgsl's, with its strides per member (its loads and epilogues offset by `member`).

// [a | 1]ᵀ · dz as gradient_block computes it, STAGE passes of four rows of the step a stage: this invocation loads
// its block's columns of [a | 1] at the stage's pass local.x and its columns of dz at pass local.y
// (matmul-shared.wgsl says which invocations load).
fn gradient_block_shared(group: vec2u, local: vec3u) -> Block {
  let origin = block_origin(group, local);
  var columns: array<AColumns, TILE_ROWS>;
  //#for i < TILE_ROWS
  columns[{i}] = a_columns(origin.y / 4u + {i}u);
  //#end
  var sums: array<TileRow, TILE_ROWS>;
  let last = step.rows - 1u;
  for (var k0 = 0u; k0 < step.rows; k0 += 4u * STAGE) {
    // Zero unless loaded, initialised explicitly (forward-shared.wgsl says why).
    var a = TileColumn();
    var b = TileRow();
    let k = k0 + 4u * local.x;
    if (local.x < STAGE && k <= last) {
      let rows = vec4u(source_row(k), source_row(min(k + 1u, last)), source_row(min(k + 2u, last)), source_row(min(k + 3u, last))) * INPUTS4;
      a = a_tiles(rows, columns);
    }
    if (local.y < STAGE && k0 + 4u * local.y <= last) { b = b_tiles(k0 + 4u * local.y, origin.x / 4u); }
    stage(local, a, b);
    multiply_stage(&sums, local, (step.rows - k0 + 3u) / 4u);
  }
  return Block(origin.y, origin.x, sums);
}

@compute @workgroup_size(GROUP, GROUP)
fn gradient_shared(@builtin(workgroup_id) id: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_id) local: vec3u) {
  let group = unfold(id, groups);
  // A member that no longer trains computes nothing: decided for the whole workgroup, before its barriers.
  if (!trains(member_of(id, groups))) { return; }
  var block = gradient_block_shared(group, local);
  for (var n = 0u; n < BLOCK_VECTORS; n++) {
    let g = block_row(&block, n);
    let w = weight_index(g);
    if (w != NONE) { update(w, penalized(w, g.row, g.sums)); }
  }
  store_penalty((group.y * groups.x + group.x) * GROUP_X * GROUP_Y + local.y * GROUP_X + local.x);
}

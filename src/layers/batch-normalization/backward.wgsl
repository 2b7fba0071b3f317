// backward.wgsl: a BatchNormalization layer backward, one invocation per four units, each looping over the step's
// rows twice: first Σ dy and Σ dy · x̂ (x̂ recomputed from the input and the statistics forward.wgsl kept in rows 4
// and 5 of the parameters), then
// dJ/dx = γ · r / m · (m · dy − Σ dy − x̂ · Σ dy · x̂) for each row, handed to the prior epilogue `emit(row, col, d)`
// (the previous block's derivatives); last, the gradients of γ (Σ dy · x̂) and β (Σ dy) go to the update epilogue
// `update(index, g)`, after every row has read γ. The update epilogue binds this layer's parameters as `parameters`.
// Includes step.wgsl; the plan appends the prior and the update epilogues.
//
// Bindings (group 0), after step.wgsl's 0 and 1:
//   2 input       array<vec4f> the layer's input, as forward.wgsl read it
//   3 deltas      array<vec4f> [rows × UNITS]: dJ/dy
//   4 ...         the epilogues'

override UNITS: u32;
override GATHER: bool;
override CENTER: bool;
override SCALE: bool;
override UNITS4: u32 = (UNITS + 3u) / 4u;

@group(0) @binding(2) var<storage, read> input: array<vec4f>;
@group(0) @binding(3) var<storage, read> deltas: array<vec4f>;

fn xhat_at(row: u32, c4: u32) -> vec4f {
  return (input[select(row, source_of(row), GATHER) * UNITS4 + c4] - parameters[4u * UNITS4 + c4]) * parameters[5u * UNITS4 + c4];
}

@compute @workgroup_size(64)
fn backward(@builtin(global_invocation_id) id: vec3u) {
  let c4 = id.x;
  if (c4 >= UNITS4) { return; }
  let m = f32(step.rows);
  var sum_dy = vec4f();
  var sum_dy_xhat = vec4f();
  for (var row = 0u; row < step.rows; row++) {
    let dy = deltas[row * UNITS4 + c4];
    sum_dy += dy;
    sum_dy_xhat += dy * xhat_at(row, c4);
  }
  let factor = parameters[c4] * parameters[5u * UNITS4 + c4] / m;
  for (var row = 0u; row < step.rows; row++) {
    emit(row, 4u * c4, factor * (m * deltas[row * UNITS4 + c4] - sum_dy - xhat_at(row, c4) * sum_dy_xhat));
  }
  if (SCALE) { update(c4, sum_dy_xhat); }
  if (CENTER) { update(UNITS4 + c4, sum_dy); }
}

// forward.wgsl: a BatchNormalization layer forward, one invocation per four units, each looping over the step's rows:
// in training the batch's mean and (biased) variance, each row normalised with them, scaled by γ and shifted by β,
// the statistics kept for the backward pass (in rows 4 and 5 of the parameters) and the moving statistics updated;
// in inference the moving statistics
// normalise. Each normalised row goes to the plan's epilogue `emit(row, col, y)` (runtime/epilogues.ts): what
// follows the layer (an activation, dropout), the store, and at the network's output the scores.
// Includes step.wgsl; the plan appends the epilogue.
//
// Bindings (group 0), after step.wgsl's 0 and 1:
//   2 input       array<vec4f> layer 0: the dataset, read through order (GATHER); later: the previous block's output
//                 [rows × UNITS], rows padded to vec4s
//   3 parameters  array<vec4f> [6 × UNITS4]: γ, β, the moving mean, the moving variance (updated in training), then
//                 the batch's mean and 1/√(σ² + ε), written in training for backward.wgsl
//   4 ...         the epilogue's
// Per member (step.wgsl, the grid's z): the input, INPUT_STRIDE vec4s apart (0 for the dataset), and the
// parameters, PARAMS_STRIDE apart. A member that no longer trains keeps its moving statistics.

override UNITS: u32;
override GATHER: bool;
override MOMENTUM: f32;
override EPSILON: f32;
override UNITS4: u32 = (UNITS + 3u) / 4u;
override INPUT_STRIDE: u32 = 0u;
override PARAMS_STRIDE: u32 = 0u;

@group(0) @binding(2) var<storage, read> input: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> parameters: array<vec4f>;

// Row k of the member's parameters at vec4 column c4.
fn parameter(k: u32, c4: u32) -> u32 { return member * PARAMS_STRIDE + k * UNITS4 + c4; }

fn x_at(row: u32, c4: u32) -> vec4f {
  return input[member * INPUT_STRIDE + select(row, source_of(row), GATHER) * UNITS4 + c4];
}

@compute @workgroup_size(64)
fn forward_training(@builtin(global_invocation_id) id: vec3u) {
  member = id.z;
  let c4 = id.x;
  if (c4 >= UNITS4) { return; }
  let m = f32(step.rows);
  var mean = vec4f();
  for (var row = 0u; row < step.rows; row++) { mean += x_at(row, c4); }
  mean /= m;
  var variance = vec4f();
  for (var row = 0u; row < step.rows; row++) {
    let d = x_at(row, c4) - mean;
    variance += d * d;
  }
  variance /= m;
  let r = 1.0 / sqrt(variance + EPSILON);
  parameters[parameter(4u, c4)] = mean;
  parameters[parameter(5u, c4)] = r;
  let gamma = parameters[parameter(0u, c4)];
  let beta = parameters[parameter(1u, c4)];
  for (var row = 0u; row < step.rows; row++) { emit(row, 4u * c4, gamma * ((x_at(row, c4) - mean) * r) + beta); }
  if (!member_trains()) { return; }
  parameters[parameter(2u, c4)] = parameters[parameter(2u, c4)] * MOMENTUM + mean * (1.0 - MOMENTUM);
  parameters[parameter(3u, c4)] = parameters[parameter(3u, c4)] * MOMENTUM + variance * (1.0 - MOMENTUM);
}

@compute @workgroup_size(64)
fn forward_inference(@builtin(global_invocation_id) id: vec3u) {
  member = id.z;
  let c4 = id.x;
  if (c4 >= UNITS4) { return; }
  let gamma = parameters[parameter(0u, c4)];
  let beta = parameters[parameter(1u, c4)];
  let mean = parameters[parameter(2u, c4)];
  let deviation = sqrt(parameters[parameter(3u, c4)] + EPSILON);
  for (var row = 0u; row < step.rows; row++) { emit(row, 4u * c4, gamma * (x_at(row, c4) - mean) / deviation + beta); }
}

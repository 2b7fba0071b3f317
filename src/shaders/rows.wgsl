// rows.wgsl: the output block's row kernel, one invocation per row, after the forward stored the row: the softmax
// of each row in place (a_j = e^(z_j − max z) / Σ_k e^(z_k − max z)) where the network ends with one, and, in a pass
// that scores, what needs a whole row: a row loss (categorical cross-entropy) with the deltas
// dJ/dz = (a·Σy − y) / m that backpropagation starts from, and row metrics (categorical accuracy).
// Includes step.wgsl; the runtime appends `score_row(row)` (runtime/rows.ts), with its bindings from 4.
//
// Bindings (group 0), after step.wgsl's 0 and 1:
//   2 outputs  array<f32> [rows × UNITS]: z on entry where SOFTMAX, a on exit
//   3 ...      score_row's: the labels, the deltas, the scores
// Per member (step.wgsl): the outputs, OUTPUTS_STRIDE floats apart; score_row offsets its own.

override UNITS: u32;
override SOFTMAX: bool;
override OUTPUTS_STRIDE: u32 = 0u;

@group(0) @binding(2) var<storage, read_write> outputs: array<f32>;

fn output_at(row: u32, j: u32) -> f32 { return outputs[member * OUTPUTS_STRIDE + row * UNITS + j]; }

// Softmax of row `row`, in place.
fn softmax_row(row: u32) {
  let base = member * OUTPUTS_STRIDE + row * UNITS;
  var top = outputs[base];
  for (var j = 1u; j < UNITS; j++) { top = max(top, outputs[base + j]); }
  var sum = 0.0;
  for (var j = 0u; j < UNITS; j++) {
    let e = exp(outputs[base + j] - top);
    outputs[base + j] = e;
    sum += e;
  }
  for (var j = 0u; j < UNITS; j++) { outputs[base + j] /= sum; }
}

// The unit of row `row` with the largest output (the first of equals).
fn argmax_output(row: u32) -> u32 {
  var best = 0u;
  for (var j = 1u; j < UNITS; j++) {
    if (output_at(row, j) > output_at(row, best)) { best = j; }
  }
  return best;
}

// The row of this invocation: 64 rows per workgroup along the (unfolded) y of the grid.
@compute @workgroup_size(64)
fn rows(@builtin(workgroup_id) id: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_id) local: vec3u) {
  let row = unfold(id, groups).y * 64u + local.x;
  if (row >= step.rows) { return; }
  if (SOFTMAX) { softmax_row(row); }
  score_row(row);
}

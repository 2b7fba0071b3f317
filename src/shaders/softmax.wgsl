// softmax.wgsl: the softmax output layer, one invocation per row, after `forward` wrote the row's z:
// a_j = e^(z_j − max z) / Σ_k e^(z_k − max z), in place. Entry points: `softmax` (prediction) and `softmax_loss`
// (training and evaluation), which also writes the row's categorical cross-entropy, whether its argmax is the
// label, and the fused deltas dJ/dz = (a·Σy − y) / m, which is (a − y) / m for one-hot labels.
// Includes step.wgsl.
//
// Bindings (group 0):
//   0 step         uniform Step: this step's rows of the epoch
//   1 activations  array<f32>  [rows × UNITS]: z on entry, a on exit
//   softmax_loss only:
//   2 order        array<u32>  [epoch rows]: dataset row of each epoch position
//   3 labels       array<f32>  [dataset rows × LABELS], read through order: a distribution over the classes
//                              (LABELS = UNITS), or the class index (LABELS = 1, sparse)
//   4 deltas       array<f32>  [rows × UNITS], rows padded to vec4s, written: dJ/dz
//   5 losses       array<f32>  [epoch rows], written: L(a, y) of each row at its epoch position
//   6 correct      array<f32>  [epoch rows], written: 1 where argmax a is the label's class, else 0

override UNITS: u32;
override LABELS: u32 = 1u;
override DELTA_STRIDE: u32 = (UNITS + 3u) / 4u * 4u; // deltas rows are padded to vec4s

const EPSILON = 1e-7; // probabilities are clipped to [ε, 1 − ε] inside the logarithm, as in Keras

@group(0) @binding(1) var<storage, read_write> activations: array<f32>;
@group(0) @binding(2) var<storage, read> order: array<u32>;
@group(0) @binding(3) var<storage, read> labels: array<f32>;
@group(0) @binding(4) var<storage, read_write> deltas: array<f32>;
@group(0) @binding(5) var<storage, read_write> losses: array<f32>;
@group(0) @binding(6) var<storage, read_write> correct: array<f32>;

// Softmax of row `row` in place; returns the index of its largest probability.
fn softmax_row(row: u32) -> u32 {
  let base = row * UNITS;
  var best = 0u;
  for (var j = 1u; j < UNITS; j++) {
    if (activations[base + j] > activations[base + best]) { best = j; }
  }
  let top = activations[base + best];
  var sum = 0.0;
  for (var j = 0u; j < UNITS; j++) {
    let e = exp(activations[base + j] - top);
    activations[base + j] = e;
    sum += e;
  }
  for (var j = 0u; j < UNITS; j++) { activations[base + j] /= sum; }
  return best;
}

// Label j of a row: its probability, or (sparse) 1 for the class index and 0 elsewhere.
fn label(source: u32, j: u32) -> f32 {
  if (LABELS == 1u) { return select(0.0, 1.0, u32(labels[source]) == j); }
  return labels[source * LABELS + j];
}

// The row of this invocation: 64 rows per workgroup along the (unfolded) y of the grid.
fn row_of(id: vec3u, groups: vec3u, local: vec3u) -> u32 {
  return unfold(id, groups).y * 64u + local.x;
}

@compute @workgroup_size(64)
fn softmax(@builtin(workgroup_id) id: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_id) local: vec3u) {
  let row = row_of(id, groups, local);
  if (row < step.rows) { _ = softmax_row(row); }
}

@compute @workgroup_size(64)
fn softmax_loss(@builtin(workgroup_id) id: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_id) local: vec3u) {
  let row = row_of(id, groups, local);
  if (row >= step.rows) { return; }
  let predicted = softmax_row(row);
  let position = step.row_start + row;
  let source = order[position];
  let base = row * UNITS;
  var total = 0.0; // Σy
  var truth = 0u; // argmax y
  for (var j = 0u; j < UNITS; j++) {
    let y = label(source, j);
    total += y;
    if (y > label(source, truth)) { truth = j; }
  }
  var loss = 0.0;
  for (var j = 0u; j < UNITS; j++) {
    let a = activations[base + j];
    let y = label(source, j);
    loss -= y * log(clamp(a, EPSILON, 1.0 - EPSILON)); // L = −Σ y_j·log(a_j)
    deltas[row * DELTA_STRIDE + j] = (a * total - y) / f32(step.rows);
  }
  losses[position] = loss;
  correct[position] = select(0.0, 1.0, predicted == truth);
}

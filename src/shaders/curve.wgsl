// curve.wgsl: a curve metric's bins (AUC), one workgroup per threshold: over every element of a pass, the weighted
// positives and negatives whose prediction, clipped to [0, 1], lies above the threshold (Keras's confusion counts
// at each threshold). Each invocation sums a strided slice, then workgroup-sum.wgsl's tree reduction. Run once per
// pass over the data.
// The runtime appends `fn threshold(k: u32) -> f32` (the curve's thresholds, in float32), COUNT (elements in the
// pass), the offsets PREDICTIONS, POSITIVES and NEGATIVES of its three stats in `scores`, THRESHOLDS, and RESULT,
// where its bins go in `result`: the true positives at each threshold, then the false positives.
//
// Bindings (group 0):
//   0 scores  array<f32>  every stat of the pass, at each epoch position
//   1 result  array<f32>  written: [RESULT, RESULT + 2 · THRESHOLDS)
// One row of workgroups per member (the grid's y): each member's scores SCORES_STRIDE apart, its results
// RESULT_STRIDE apart.

@group(0) @binding(0) var<storage, read> scores: array<f32>;
@group(0) @binding(1) var<storage, read_write> result: array<f32>;

override SCORES_STRIDE: u32 = 0u;
override RESULT_STRIDE: u32 = 0u;

@compute @workgroup_size(64)
fn bins(@builtin(workgroup_id) id: vec3u, @builtin(local_invocation_index) index: u32) {
  let t = threshold(id.x);
  let scored = id.y * SCORES_STRIDE;
  var p = 0.0;
  var n = 0.0;
  for (var i = index; i < COUNT; i += 64u) {
    if (clamp(scores[scored + PREDICTIONS + i], 0.0, 1.0) > t) {
      p += scores[scored + POSITIVES + i];
      n += scores[scored + NEGATIVES + i];
    }
  }
  let sums = workgroup_sum(index, vec2f(p, n));
  if (index == 0u) {
    let first = id.y * RESULT_STRIDE + RESULT;
    result[first + id.x] = sums.x;
    result[first + THRESHOLDS + id.x] = sums.y;
  }
}

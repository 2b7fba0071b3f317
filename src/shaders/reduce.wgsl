// reduce.wgsl: the means of a pass's scores (each element's or row's loss, each metric; the weights' penalties), one
// workgroup per score:
// each invocation sums a strided slice, then workgroup-sum.wgsl's tree reduction. Run once per pass over the data:
// per epoch, per validation, per evaluate. 64 invocations: a CPU adapter runs a workgroup with barriers as one
// coroutine per four invocations, and 256 of them took it 0.5 ms per reduction.
// The runtime appends `fn score_range(s: u32) -> vec3u`: where score s's values start in `scores`, how many there
// are, and what their sum is divided by (their count for a mean); and RESULT, where the first score goes in `result`.
//
// Bindings (group 0):
//   0 scores  array<f32>  [Σ COUNTS]: every value of every score
//   1 result  array<f32>  [scores], written: the mean of each
// One row of workgroups per member (the grid's y): each member's scores SCORES_STRIDE apart, its results
// RESULT_STRIDE apart.

@group(0) @binding(0) var<storage, read> scores: array<f32>;
@group(0) @binding(1) var<storage, read_write> result: array<f32>;

override SCORES_STRIDE: u32 = 0u;
override RESULT_STRIDE: u32 = 0u;

@compute @workgroup_size(64)
fn reduce(@builtin(workgroup_id) id: vec3u, @builtin(local_invocation_index) index: u32) {
  let range = score_range(id.x);
  let offset = id.y * SCORES_STRIDE + range.x;
  let count = range.y;
  let divisor = range.z;
  var sum = 0.0;
  for (var i = index; i < count; i += 64u) { sum += scores[offset + i]; }
  let total = workgroup_sum(index, vec2f(sum, 0.0)).x;
  if (index == 0u) { result[id.y * RESULT_STRIDE + RESULT + id.x] = total / f32(divisor); }
}

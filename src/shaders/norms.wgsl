// norms.wgsl: for norm clipping, the squared norm of each trainable variable's gradient, one workgroup a variable:
// each invocation sums a strided slice of its vec4s' squares, then workgroup-sum.wgsl's tree reduction. Once a step,
// after every gradient kernel stored its gradients (runtime/epilogues.ts `deferredEpilogue`) and before apply.wgsl.
// The runtime appends `fn variable_range(v: u32) -> vec2u`: where variable v starts in `gradients`, and its vec4s.
//
// Bindings (group 0):
//   0 gradients  array<vec4f>: every layer's gradients, laid out as its parameters
//   1 norms      array<f32> [variables], written: Σ g² of each
// One row of workgroups per member (the grid's y): each member's gradients GRADIENTS_STRIDE vec4s apart, its norms
// NORMS_STRIDE apart.

@group(0) @binding(0) var<storage, read> gradients: array<vec4f>;
@group(0) @binding(1) var<storage, read_write> norms: array<f32>;

override GRADIENTS_STRIDE: u32 = 0u;
override NORMS_STRIDE: u32 = 0u;

@compute @workgroup_size(64)
fn norms_of(@builtin(workgroup_id) id: vec3u, @builtin(local_invocation_index) index: u32) {
  let range = variable_range(id.x) + vec2u(id.y * GRADIENTS_STRIDE, 0u);
  var sum = 0.0;
  for (var i = index; i < range.y; i += 64u) {
    let g = gradients[range.x + i];
    sum += dot(g, g);
  }
  let total = workgroup_sum(index, vec2f(sum, 0.0)).x;
  if (index == 0u) { norms[id.y * NORMS_STRIDE + id.x] = total; }
}

// apply.wgsl: for norm clipping, one layer's update from its stored gradients: each vec4 of a trainable variable
// scaled by its clipping factor (`clip_factor`, from the squared norms norms.wgsl took), then handed to the update
// epilogue `update(index, g)`, as the gradient kernel would have without norm clipping. One invocation a vec4.
// Includes step.wgsl; the runtime appends `variable_of(index)` (the variable a vec4 belongs to, or NONE where it is
// not trained), `clip_factor(variable)` and the update epilogue.
//
// Bindings (group 0), after step.wgsl's 0 and 1:
//   2 gradients  array<vec4f>: every layer's gradients; this layer's from OFFSET
//   3 norms      array<f32> [variables]: Σ g² of each
//   4 ...        the update epilogue's
// Per member (step.wgsl): the gradients, GRADIENTS_STRIDE vec4s apart, and the norms, NORMS_STRIDE apart.

override OFFSET: u32;
override GRADIENTS_STRIDE: u32 = 0u; // vec4s of each member's gradients
override NORMS_STRIDE: u32 = 0u; // each member's variables

const NONE = 0xffffffffu;

@group(0) @binding(2) var<storage, read> gradients: array<vec4f>;
@group(0) @binding(3) var<storage, read> norms: array<f32>;

@compute @workgroup_size(64)
fn apply(@builtin(workgroup_id) id: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) index: u32) {
  let i = unfold(id, groups).y * 64u + index;
  let variable = variable_of(i);
  if (variable == NONE || !member_trains()) { return; }
  update(i, gradients[member * GRADIENTS_STRIDE + OFFSET + i] * clip_factor(variable));
}

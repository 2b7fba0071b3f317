// loss-sum.wgsl: the mean of COUNT element losses, summed on the GPU by one workgroup: each invocation sums a
// strided slice, then a tree reduction in workgroup memory. Run once per epoch (and per evaluate).
//
// Bindings (group 0):
//   0 losses  array<f32>  [COUNT]
//   1 result  array<f32>  [1], written: the mean

override COUNT: u32;

@group(0) @binding(0) var<storage, read> losses: array<f32>;
@group(0) @binding(1) var<storage, read_write> result: array<f32>;

var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256)
fn loss_sum(@builtin(local_invocation_index) index: u32) {
  var sum = 0.0;
  for (var i = index; i < COUNT; i += 256u) { sum += losses[i]; }
  partial[index] = sum;
  for (var width = 128u; width > 0u; width /= 2u) {
    workgroupBarrier();
    if (index < width) { partial[index] += partial[index + width]; }
  }
  if (index == 0u) { result[0] = partial[0] / f32(COUNT); }
}

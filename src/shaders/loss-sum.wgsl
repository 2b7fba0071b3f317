// loss-sum.wgsl: the mean of COUNT values (element losses, or 1/0 for right/wrong), summed on the GPU by one
// workgroup: each invocation sums a strided slice, then a tree reduction in workgroup memory. Run once per pass
// over the data: per epoch, per validation, per evaluate. 64 invocations: a CPU adapter runs a workgroup with
// barriers as one coroutine per four invocations, and 256 of them took it 0.5 ms per reduction.
//
// Bindings (group 0):
//   0 losses  array<f32>  [COUNT]
//   1 result  array<f32>  [2], written at SLOT: the mean (slot 0 the loss, slot 1 the accuracy)

override COUNT: u32;
override SLOT: u32 = 0u;

@group(0) @binding(0) var<storage, read> losses: array<f32>;
@group(0) @binding(1) var<storage, read_write> result: array<f32>;

var<workgroup> partial: array<f32, 64>;

@compute @workgroup_size(64)
fn loss_sum(@builtin(local_invocation_index) index: u32) {
  var sum = 0.0;
  for (var i = index; i < COUNT; i += 64u) { sum += losses[i]; }
  partial[index] = sum;
  for (var width = 32u; width > 0u; width /= 2u) {
    workgroupBarrier();
    if (index < width) { partial[index] += partial[index + width]; }
  }
  if (index == 0u) { result[SLOT] = partial[0] / f32(COUNT); }
}

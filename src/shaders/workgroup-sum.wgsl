// workgroup-sum.wgsl: the sum over a workgroup of 64 invocations of each one's value (two sums at once), by a tree
// reduction in workgroup memory. Appended to reduce.wgsl, norms.wgsl and curve.wgsl, whose workgroups are 64
// invocations that each sum a strided slice first. Called in uniform control flow: every invocation gets the sums.

var<workgroup> partial: array<vec2f, 64>;

fn workgroup_sum(index: u32, value: vec2f) -> vec2f {
  partial[index] = value;
  for (var width = 32u; width > 0u; width /= 2u) {
    workgroupBarrier();
    if (index < width) { partial[index] += partial[index + width]; }
  }
  workgroupBarrier();
  return partial[0];
}

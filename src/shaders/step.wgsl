// step.wgsl: the step table entry every per-step kernel reads at binding 0: which rows of the epoch order this
// step covers and which step of the epoch it is. One 256-byte slot per step, bound at a dynamic offset.

struct Step {
  row_start: u32, // first epoch position of the step
  rows: u32, // rows in the step (the last batch of an epoch may be short)
  index: u32, // the step's number within the epoch
}

@group(0) @binding(0) var<uniform> step: Step;

// Grids taller than the device allows (maxComputeWorkgroupsPerDimension) are folded into z: the runtime
// dispatches (x, min(y, limit), ceil(y / limit)), and this gives back the workgroup's (x, y) in the unfolded grid.
fn unfold(id: vec3u, groups: vec3u) -> vec2u {
  return vec2u(id.x, id.y + id.z * groups.y);
}

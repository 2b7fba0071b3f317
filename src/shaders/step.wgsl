// step.wgsl: what every per-step kernel reads at bindings 0 to 2: the step table entry (which rows of the epoch
// order this step covers, and which step of the epoch it is), the epoch order, and the schedule of per-step
// scalars. Kernels number their own bindings from 3; epilogues follow theirs.
//
// Bindings (group 0):
//   0 step      uniform Step, one 256-byte slot per step, bound at a dynamic offset
//   1 order     array<u32> [epoch rows]: the dataset row of each epoch position (the shuffle)
//   2 schedule  array<u32> [steps × SCHEDULE_WORDS]: per step, the count of steps taken before it over the whole
//               training (dropout's counter), then the optimizer's scalars as f32 bits (learning rate first),
//               written before each epoch

struct Step {
  row_start: u32, // first epoch position of the step
  rows: u32, // rows in the step (the last batch of an epoch may be short)
  index: u32, // the step's number within the epoch
}

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<storage, read> order: array<u32>;
@group(0) @binding(2) var<storage, read> schedule: array<u32>;

override SCHEDULE_WORDS: u32 = 1u;

// Steps taken before this one, over the whole training.
fn step_counter() -> u32 { return schedule[step.index * SCHEDULE_WORDS]; }

// The optimizer's scalar k for this step.
fn scalar(k: u32) -> f32 { return bitcast<f32>(schedule[step.index * SCHEDULE_WORDS + 1u + k]); }

// The dataset row of row `row` of this step.
fn source_of(row: u32) -> u32 { return order[step.row_start + row]; }

// Grids taller than the device allows (maxComputeWorkgroupsPerDimension) are folded into z: the runtime
// dispatches (x, min(y, limit), ceil(y / limit)), and this gives back the workgroup's (x, y) in the unfolded grid.
fn unfold(id: vec3u, groups: vec3u) -> vec2u {
  return vec2u(id.x, id.y + id.z * groups.y);
}

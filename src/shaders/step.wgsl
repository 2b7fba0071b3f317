// step.wgsl: what every per-step kernel reads at bindings 0 and 1: the step table entry (which rows of the epoch
// order this step covers, which step of the epoch it is, where its words are), and the plan's words: the epoch
// order, the run's constants and each step's scalars. Kernels number their own bindings from 2; epilogues follow.
//
// Bindings (group 0):
//   0 step   uniform Step, one 256-byte slot per step, bound at a dynamic offset
//   1 words  array<u32>, four parts:
//            [0, epoch rows)  the dataset row of each epoch position (the shuffle), written before each epoch
//            from step.run    the run's constants (dropout's seeds and thresholds: data rather than code, so that
//                             models of one shape share pipelines), written once
//            then, where the rows carry sample weights, each dataset row's weight as f32 bits, written once
//                             (the scoring's sample_weight(source) reads them)
//            from step.words  this step's count of steps taken before it over the whole training (dropout's counter),
//                             then the optimizer's scalars as f32 bits (learning rate first), written before each epoch

struct Step {
  row_start: u32, // first epoch position of the step
  rows: u32, // rows in the step (the last batch of an epoch may be short)
  index: u32, // the step's number within the epoch
  run: u32, // where the run's constants start in words
  words: u32, // where this step's words start in words
}

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<storage, read> words: array<u32>;

// The dataset row of row `row` of this step.
fn source_of(row: u32) -> u32 { return words[step.row_start + row]; }

// The run's constant i.
fn run_word(i: u32) -> u32 { return words[step.run + i]; }

// Steps taken before this one, over the whole training.
fn step_counter() -> u32 { return words[step.words]; }

// The optimizer's scalar k for this step.
fn scalar(k: u32) -> f32 { return bitcast<f32>(words[step.words + 1u + k]); }

// Grids taller than the device allows (maxComputeWorkgroupsPerDimension) are folded into z: the runtime
// dispatches (x, min(y, limit), ceil(y / limit)), and this gives back the workgroup's (x, y) in the unfolded grid.
fn unfold(id: vec3u, groups: vec3u) -> vec2u {
  return vec2u(id.x, id.y + id.z * groups.y);
}

// step.wgsl: what every per-step kernel reads at bindings 0 and 1: the step table entry (which rows of the epoch
// order this step covers, which step of the epoch it is, where its words are), and the plan's words: the epoch
// order, the run's constants and each step's scalars. Kernels number their own bindings from 2; epilogues follow.
//
// Bindings (group 0):
// Models trained side by side (a ModelGroup's members) share every dispatch: the grid's z counts MEMBERS times
// over (step.wgsl's `unfold` gives each workgroup its `member`), and every per-member buffer holds the members'
// ranges one after another, each kernel offsetting its indices by `member` times the range's size. A Sequential is
// one member: every offset is 0.
//
//   0 step   uniform Step, one 256-byte slot per step, bound at a dynamic offset
//   1 words  array<u32>, four parts:
//            [0, epoch rows)  the dataset row of each epoch position (the shuffle), written before each epoch
//                             (each member's in turn, ORDER_STRIDE apart, where members have orders of their own)
//            from step.run    the run's constants, constant i of member m at i · MEMBERS + m: dropout's seeds and
//                             thresholds, the optimizer's and the penalties' hyperparameters (data rather than code,
//                             so that models of one shape share pipelines, and members of a group differ in them),
//                             written once
//            then, where the rows carry sample weights, each dataset row's weight as f32 bits, written once
//                             (the scoring's sample_weight(source) reads them)
//            from step.words  this step's count of steps taken before it over the whole training (dropout's counter),
//                             then for each member STEP_SCALARS words: the optimizer's scalars as f32 bits
//                             (learning rate first) and whether the member trains (0 once it has stopped), written
//                             before each epoch

struct Step {
  row_start: u32, // first epoch position of the step
  rows: u32, // rows in the step (the last batch of an epoch may be short)
  index: u32, // the step's number within the epoch
  run: u32, // where the run's constants start in words
  words: u32, // where this step's words start in words
}

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<storage, read> words: array<u32>;

override MEMBERS: u32 = 1u; // models this dispatch trains side by side
override ORDER_STRIDE: u32 = 0u; // the epoch rows, where each member has its own order
override STEP_SCALARS: u32 = 0u; // per-step words per member: the optimizer's scalars, then whether it trains

// The member this workgroup computes for, set by `unfold`.
var<private> member: u32;

// The dataset row of row `row` of this step.
fn source_of(row: u32) -> u32 { return words[member * ORDER_STRIDE + step.row_start + row]; }

// The run's constant i.
fn run_word(i: u32) -> u32 { return words[step.run + i * MEMBERS + member]; }

// The run's constant i, an f32.
fn run_f32(i: u32) -> f32 { return bitcast<f32>(run_word(i)); }

// Steps taken before this one, over the whole training.
fn step_counter() -> u32 { return words[step.words]; }

// The optimizer's scalar k for this step.
fn scalar(k: u32) -> f32 { return bitcast<f32>(words[step.words + 1u + member * STEP_SCALARS + k]); }

// Whether this step updates member m (a group's member stops once it diverges or a callback stops it).
fn trains(m: u32) -> bool { return words[step.words + 1u + m * STEP_SCALARS + STEP_SCALARS - 1u] != 0u; }

// Whether this step updates this workgroup's member.
fn member_trains() -> bool { return trains(member); }

// The member of workgroup `id`. Uniform in its workgroup, as `member` (a private variable) is not to WGSL's
// analysis: a kernel with barriers decides from this whether its workgroup runs.
fn member_of(id: vec3u, groups: vec3u) -> u32 { return id.z / (groups.z / MEMBERS); }

// Grids taller than the device allows (maxComputeWorkgroupsPerDimension) are folded into z, and the members
// follow one another in z: the runtime dispatches (x, min(y, limit), ceil(y / limit) · MEMBERS), and this gives
// back the workgroup's (x, y) in its member's unfolded grid, and sets `member`.
fn unfold(id: vec3u, groups: vec3u) -> vec2u {
  member = member_of(id, groups);
  return vec2u(id.x, id.y + (id.z % (groups.z / MEMBERS)) * groups.y);
}

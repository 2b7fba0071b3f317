// update.wgsl: the optimizer step of one layer, with the gradient [a | 1]ᵀ · dz computed as an Aᵀ·B matmul: the
// column of ones appended to the input makes the last row of the product the bias gradient Σ_rows dz. The
// update is the epilogue, so gradients never reach memory. One entry point per optimizer, each the WGSL twin of
// its `apply` in src/model/optimizers.ts.
// Includes step.wgsl, matmul.wgsl.
//
// Bindings (group 0):
//   0 step        uniform Step: this step's rows of the epoch and its index
//   1 order       array<u32>  [epoch rows]: dataset row of each epoch position (layer 0 only reads through it)
//   2 input       array<f32>  layer 0: the dataset [dataset rows × INPUTS]; later layers: a[l−1] [rows × INPUTS]
//   3 deltas      array<f32>  [rows × UNITS]: dz of this layer
//   4 weights     array<f32>  [(INPUTS + 1) × UNITS], updated in place: the kernel, then the bias row
//   update_adam, update_rmsprop only:
//   5 moments     array<f32>  [slots × (INPUTS + 1) × UNITS], updated in place: Adam's m then v; RMSprop's s
//   update_adam only:
//   6 corrections array<f32>  [2 × steps of the epoch]: Adam's 1 − β1^t and 1 − β2^t for each step's t, computed
//                             in double precision on the CPU (in float32, 1 − β2^t loses four digits to cancellation)

override INPUTS: u32;
override UNITS: u32;
override GATHER: bool;
override LEARNING_RATE: f32;
override BETA1: f32 = 0.9; // Adam
override BETA2: f32 = 0.999; // Adam
override RHO: f32 = 0.9; // RMSprop
override EPSILON: f32 = 1e-7; // Adam, RMSprop

@group(0) @binding(1) var<storage, read> order: array<u32>;
@group(0) @binding(2) var<storage, read> input: array<f32>;
@group(0) @binding(3) var<storage, read> deltas: array<f32>;
@group(0) @binding(4) var<storage, read_write> weights: array<f32>;
@group(0) @binding(5) var<storage, read_write> moments: array<f32>;
@group(0) @binding(6) var<storage, read> corrections: array<f32>;

fn source_row(row: u32) -> u32 {
  if (GATHER) { return order[step.row_start + row]; }
  return row;
}

// A = [input | 1]ᵀ: (INPUTS + 1) × rows.
fn load_a(row: u32, k: u32) -> f32 {
  if (row == INPUTS) { return 1.0; }
  return input[source_row(k) * INPUTS + row];
}
fn load_b(k: u32, col: u32) -> f32 { return deltas[k * UNITS + col]; }

override SIZE: u32 = (INPUTS + 1u) * UNITS; // weights per layer: the offset of Adam's v in moments

// This invocation's 4 × 4 block of the gradient [a | 1]ᵀ · dz.
fn gradient_block(group: vec2u, local: vec3u) -> Block {
  return matmul_block(group, local, INPUTS + 1u, UNITS, step.rows);
}

fn in_range(block: Block, i: u32, j: u32) -> bool {
  return block.row + i <= INPUTS && block.col + j < UNITS;
}

// SGD: w ← w − α·g.
@compute @workgroup_size(SIDE, SIDE)
fn update_sgd(@builtin(workgroup_id) id: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_id) local: vec3u) {
  let block = gradient_block(unfold(id, groups), local);
  for (var i = 0u; i < 4u; i++) {
    for (var j = 0u; j < 4u; j++) {
      if (in_range(block, i, j)) {
        let w = (block.row + i) * UNITS + block.col + j;
        weights[w] -= LEARNING_RATE * block.sums[i][j];
      }
    }
  }
}

// Adam: m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g², w ← w − α·(m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε).
@compute @workgroup_size(SIDE, SIDE)
fn update_adam(@builtin(workgroup_id) id: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_id) local: vec3u) {
  let block = gradient_block(unfold(id, groups), local);
  let correction1 = corrections[2u * step.index];
  let correction2 = corrections[2u * step.index + 1u];
  for (var i = 0u; i < 4u; i++) {
    for (var j = 0u; j < 4u; j++) {
      if (in_range(block, i, j)) {
        let w = (block.row + i) * UNITS + block.col + j;
        let g = block.sums[i][j];
        let m = BETA1 * moments[w] + (1.0 - BETA1) * g;
        let v = BETA2 * moments[SIZE + w] + (1.0 - BETA2) * g * g;
        moments[w] = m;
        moments[SIZE + w] = v;
        weights[w] -= LEARNING_RATE * (m / correction1) / (sqrt(v / correction2) + EPSILON);
      }
    }
  }
}

// RMSprop: s ← ρ·s + (1 − ρ)·g², w ← w − α·g / √(s + ε).
@compute @workgroup_size(SIDE, SIDE)
fn update_rmsprop(@builtin(workgroup_id) id: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_id) local: vec3u) {
  let block = gradient_block(unfold(id, groups), local);
  for (var i = 0u; i < 4u; i++) {
    for (var j = 0u; j < 4u; j++) {
      if (in_range(block, i, j)) {
        let w = (block.row + i) * UNITS + block.col + j;
        let g = block.sums[i][j];
        let s = RHO * moments[w] + (1.0 - RHO) * g * g;
        moments[w] = s;
        weights[w] -= LEARNING_RATE * g / sqrt(s + EPSILON);
      }
    }
  }
}

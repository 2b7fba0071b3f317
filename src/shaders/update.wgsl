// update.wgsl: the optimizer step of one layer, with the gradient [a | 1]ᵀ · dz computed as an Aᵀ·B matmul: the
// column of ones appended to the input makes the last row of the product the bias gradient Σ_rows dz. The
// update is the epilogue, so gradients never reach memory. One entry point per optimizer, each the WGSL twin of
// its `apply` in src/model/optimizers.ts.
// Includes step.wgsl, matmul.wgsl.
//
// Bindings (group 0):
//   0 step        uniform Step: this step's rows of the epoch and its index
//   1 order       array<u32>  [epoch rows]: dataset row of each epoch position (layer 0 only reads through it)
//   2 input       array<vec4f> layer 0: the dataset [dataset rows × INPUTS]; later layers: a[l−1] [rows × INPUTS]
//   3 deltas      array<vec4f> [rows × UNITS]: dz of this layer
//   4 weights     array<vec4f> [(INPUTS + 1) × UNITS], updated in place: the kernel, then the bias row
//   update_adam, update_rmsprop only:
//   5 moments     array<vec4f> [slots × (INPUTS + 1) × UNITS], updated in place: Adam's m then v; RMSprop's s
// Every matrix has its rows padded to vec4s; the padding of deltas is zero, so the padding of weights and
// moments never changes.
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
override INPUTS4: u32 = (INPUTS + 3u) / 4u;
override UNITS4: u32 = (UNITS + 3u) / 4u;
override SIZE: u32 = (INPUTS + 1u) * UNITS4; // vec4s of weights per layer: the offset of Adam's v in moments

@group(0) @binding(1) var<storage, read> order: array<u32>;
@group(0) @binding(2) var<storage, read> input: array<vec4f>;
@group(0) @binding(3) var<storage, read> deltas: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> weights: array<vec4f>;
@group(0) @binding(5) var<storage, read_write> moments: array<vec4f>;
@group(0) @binding(6) var<storage, read> corrections: array<f32>;

fn source_row(row: u32) -> u32 {
  if (GATHER) { return order[step.row_start + row]; }
  return row;
}

// A = [input | 1]: row k is the input row k with a 1 appended at column INPUTS.
fn load_at4(k: u32, r4: u32) -> vec4f {
  let ones = select(vec4f(), vec4f(1.0), vec4u(r4 * 4u) + vec4u(0u, 1u, 2u, 3u) == vec4u(INPUTS));
  return select(vec4f(), input[source_row(k) * INPUTS4 + min(r4, INPUTS4 - 1u)], r4 < INPUTS4) + ones;
}
fn load_b4(k: u32, c4: u32) -> vec4f { return deltas[k * UNITS4 + c4]; }

// C = Aᵀ·B: [inner × rows]ᵀ · [inner × cols], one outer product of two vec4s per term of the inner dimension.
fn matmul_atb(group: vec2u, local: vec3u, rows: u32, cols: u32, inner: u32) -> Block {
  let origin = block_origin(group, local);
  let r4 = min(origin.y / 4u, (rows + 3u) / 4u - 1u);
  let c4 = min(origin.x, (cols + 3u) / 4u - 1u);
  var sums: array<vec4f, 4>;
  for (var k = 0u; k < inner; k++) {
    let a = load_at4(k, r4);
    let b = load_b4(k, c4);
    sums[0] += a.x * b;
    sums[1] += a.y * b;
    sums[2] += a.z * b;
    sums[3] += a.w * b;
  }
  return Block(origin.y, origin.x * 4u, sums);
}

// This invocation's 4 × 4 block of the gradient [a | 1]ᵀ · dz.
fn gradient_block(group: vec2u, local: vec3u) -> Block {
  return matmul_atb(group, local, INPUTS + 1u, UNITS, step.rows);
}

// The index in weights of row i of the block, or none (past the bias row or the last column).
fn weight_index(block: Block, i: u32) -> u32 {
  if (block.row + i > INPUTS || block.col >= UNITS) { return 0xffffffffu; }
  return (block.row + i) * UNITS4 + block.col / 4u;
}

// SGD: w ← w − α·g.
@compute @workgroup_size(SIDE, SIDE)
fn update_sgd(@builtin(workgroup_id) id: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_id) local: vec3u) {
  let block = gradient_block(unfold(id, groups), local);
  for (var i = 0u; i < 4u; i++) {
    let w = weight_index(block, i);
    if (w != 0xffffffffu) { weights[w] -= LEARNING_RATE * block.sums[i]; }
  }
}

// Adam: m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g², w ← w − α·(m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε).
@compute @workgroup_size(SIDE, SIDE)
fn update_adam(@builtin(workgroup_id) id: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_id) local: vec3u) {
  let block = gradient_block(unfold(id, groups), local);
  let correction1 = corrections[2u * step.index];
  let correction2 = corrections[2u * step.index + 1u];
  for (var i = 0u; i < 4u; i++) {
    let w = weight_index(block, i);
    if (w != 0xffffffffu) {
      let g = block.sums[i];
      let m = BETA1 * moments[w] + (1.0 - BETA1) * g;
      let v = BETA2 * moments[SIZE + w] + (1.0 - BETA2) * g * g;
      moments[w] = m;
      moments[SIZE + w] = v;
      weights[w] -= LEARNING_RATE * (m / correction1) / (sqrt(v / correction2) + EPSILON);
    }
  }
}

// RMSprop: s ← ρ·s + (1 − ρ)·g², w ← w − α·g / √(s + ε).
@compute @workgroup_size(SIDE, SIDE)
fn update_rmsprop(@builtin(workgroup_id) id: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_id) local: vec3u) {
  let block = gradient_block(unfold(id, groups), local);
  for (var i = 0u; i < 4u; i++) {
    let w = weight_index(block, i);
    if (w != 0xffffffffu) {
      let g = block.sums[i];
      let s = RHO * moments[w] + (1.0 - RHO) * g * g;
      moments[w] = s;
      weights[w] -= LEARNING_RATE * g / sqrt(s + EPSILON);
    }
  }
}

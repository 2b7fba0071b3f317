// backprop.wgsl: carries the deltas one layer back, dz[l−1] = (dz[l] · W[l]ᵀ) ⊙ g'(a[l−1]): an A·Bᵀ matmul
// with the previous layer's activation derivative fused into the epilogue.
// Includes step.wgsl, matmul.wgsl, activations.wgsl.
//
// Bindings (group 0):
//   0 step            uniform Step: rows in this step
//   1 deltas          array<f32>  [rows × UNITS]: dz of this layer
//   2 weights         array<f32>  [(INPUTS + 1) × UNITS]: this layer's kernel (the bias row is not read)
//   3 activations     array<f32>  [rows × INPUTS]: a of the previous layer
//   4 input_deltas    array<f32>  [rows × INPUTS], written: dz of the previous layer

override INPUTS: u32;
override UNITS: u32;
override ACTIVATION: u32; // of the previous layer

@group(0) @binding(1) var<storage, read> deltas: array<f32>;
@group(0) @binding(2) var<storage, read> weights: array<f32>;
@group(0) @binding(3) var<storage, read> activations: array<f32>;
@group(0) @binding(4) var<storage, read_write> input_deltas: array<f32>;

fn load_a(row: u32, k: u32) -> f32 { return deltas[row * UNITS + k]; }
fn load_b(k: u32, col: u32) -> f32 { return weights[col * UNITS + k]; } // Wᵀ

@compute @workgroup_size(SIDE, SIDE)
fn backprop(@builtin(workgroup_id) id: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_id) local: vec3u) {
  let block = matmul_block(unfold(id, groups), local, step.rows, INPUTS, UNITS);
  for (var i = 0u; i < 4u; i++) {
    for (var j = 0u; j < 4u; j++) {
      let row = block.row + i;
      let col = block.col + j;
      if (row < step.rows && col < INPUTS) {
        let index = row * INPUTS + col;
        input_deltas[index] = block.sums[i][j] * derivative(ACTIVATION, activations[index]);
      }
    }
  }
}

// update.wgsl: the gradient-descent step of one layer, W ← W − α·∂J/∂W and b ← b − α·∂J/∂b, with the
// gradient [a | 1]ᵀ · dz computed as an Aᵀ·B matmul: the column of ones appended to the input makes the last
// row of the product the bias gradient Σ_rows dz. The update is the epilogue, so gradients never reach memory.
// Includes matmul.wgsl.
//
// Bindings (group 0):
//   0 step     uniform Step: this step's rows of the epoch
//   1 order    array<u32>  [epoch rows]: dataset row of each epoch position (layer 0 only reads through it)
//   2 input    array<f32>  layer 0: the dataset [dataset rows × INPUTS]; later layers: a[l−1] [rows × INPUTS]
//   3 deltas   array<f32>  [rows × UNITS]: dz of this layer
//   4 weights  array<f32>  [(INPUTS + 1) × UNITS], updated in place: the kernel, then the bias row

override INPUTS: u32;
override UNITS: u32;
override GATHER: bool;
override LEARNING_RATE: f32;

struct Step { row_start: u32, rows: u32 }

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<storage, read> order: array<u32>;
@group(0) @binding(2) var<storage, read> input: array<f32>;
@group(0) @binding(3) var<storage, read> deltas: array<f32>;
@group(0) @binding(4) var<storage, read_write> weights: array<f32>;

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

@compute @workgroup_size(8, 8)
fn update(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_id) local: vec3u) {
  let block = matmul_block(group, local, INPUTS + 1u, UNITS, step.rows);
  for (var i = 0u; i < 4u; i++) {
    for (var j = 0u; j < 4u; j++) {
      let row = block.row + i;
      let col = block.col + j;
      if (row <= INPUTS && col < UNITS) {
        weights[row * UNITS + col] -= LEARNING_RATE * block.sums[i][j];
      }
    }
  }
}

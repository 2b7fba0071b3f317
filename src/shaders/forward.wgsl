// forward.wgsl: one Dense layer forward, activations = g(input · W + b), with the bias and g fused into the
// matmul epilogue. Entry points: `forward` for hidden layers (and softmax layers, written as z for softmax.wgsl);
// `forward_loss` for an element-wise output layer, which also writes each element's loss, whether it is
// classified right, and the deltas dJ/dz that backpropagation starts from.
// Includes step.wgsl, matmul.wgsl, activations.wgsl, losses.wgsl.
//
// Bindings (group 0):
//   0 step         uniform Step: this step's rows of the epoch, order[row_start .. row_start + rows)
//   1 order        array<u32>  [epoch rows]: dataset row of each epoch position (the shuffle)
//   2 input        array<f32>  layer 0: the dataset [dataset rows × INPUTS], read through order;
//                              later layers: the previous activations [rows × INPUTS]
//   3 weights      array<f32>  [(INPUTS + 1) × UNITS]: the kernel, then the bias as its last row
//   4 activations  array<f32>  [rows × UNITS], written
//   forward_loss only:
//   5 labels       array<f32>  [dataset rows × UNITS], read through order
//   6 deltas       array<f32>  [rows × UNITS], written: dJ/dz of this layer
//   7 losses       array<f32>  [epoch rows × UNITS], written: L(a, y) of each element at its epoch position
//   8 correct      array<f32>  [epoch rows × UNITS], written: 1 where (a > 0.5) equals y, else 0

override INPUTS: u32;
override UNITS: u32;
override ACTIVATION: u32; // 0 linear, 1 sigmoid, 2 relu, 3 tanh
override GATHER: bool; // input rows come from the dataset through order
override LOSS: u32 = 0u; // forward_loss: 1 binary cross-entropy, 2 mean squared error

@group(0) @binding(1) var<storage, read> order: array<u32>;
@group(0) @binding(2) var<storage, read> input: array<f32>;
@group(0) @binding(3) var<storage, read> weights: array<f32>;
@group(0) @binding(4) var<storage, read_write> activations: array<f32>;
@group(0) @binding(5) var<storage, read> labels: array<f32>;
@group(0) @binding(6) var<storage, read_write> deltas: array<f32>;
@group(0) @binding(7) var<storage, read_write> losses: array<f32>;
@group(0) @binding(8) var<storage, read_write> correct: array<f32>;

fn source_row(row: u32) -> u32 {
  if (GATHER) { return order[step.row_start + row]; }
  return row;
}

fn load_a(row: u32, k: u32) -> f32 { return input[source_row(row) * INPUTS + k]; }
fn load_b(k: u32, col: u32) -> f32 { return weights[k * UNITS + col]; }

@compute @workgroup_size(SIDE, SIDE)
fn forward(@builtin(workgroup_id) id: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_id) local: vec3u) {
  let block = matmul_block(unfold(id, groups), local, step.rows, UNITS, INPUTS);
  for (var i = 0u; i < 4u; i++) {
    for (var j = 0u; j < 4u; j++) {
      let row = block.row + i;
      let col = block.col + j;
      if (row < step.rows && col < UNITS) {
        activations[row * UNITS + col] = activate(ACTIVATION, block.sums[i][j] + weights[INPUTS * UNITS + col]);
      }
    }
  }
}

@compute @workgroup_size(SIDE, SIDE)
fn forward_loss(@builtin(workgroup_id) id: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_id) local: vec3u) {
  let block = matmul_block(unfold(id, groups), local, step.rows, UNITS, INPUTS);
  let scale = 1.0 / f32(step.rows * UNITS);
  for (var i = 0u; i < 4u; i++) {
    for (var j = 0u; j < 4u; j++) {
      let row = block.row + i;
      let col = block.col + j;
      if (row < step.rows && col < UNITS) {
        let z = block.sums[i][j] + weights[INPUTS * UNITS + col];
        let a = activate(ACTIVATION, z);
        let y = labels[order[step.row_start + row] * UNITS + col];
        activations[row * UNITS + col] = a;
        deltas[row * UNITS + col] = loss_delta(LOSS, ACTIVATION, a, y, scale);
        let position = (step.row_start + row) * UNITS + col;
        losses[position] = loss_value(LOSS, ACTIVATION, z, a, y);
        correct[position] = select(0.0, 1.0, select(0.0, 1.0, a > 0.5) == y);
      }
    }
  }
}

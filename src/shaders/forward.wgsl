// forward.wgsl: one Dense layer forward, activations = g(input · W + b), with the bias and g fused into the
// matmul epilogue. Entry points: `forward` for hidden layers (and softmax layers, written as z for softmax.wgsl);
// `forward_loss` for an element-wise output layer, which also writes each element's loss, whether it is
// classified right, and the deltas dJ/dz that backpropagation starts from.
// Includes step.wgsl, matmul.wgsl, activations.wgsl, losses.wgsl.
//
// Bindings (group 0):
//   0 step         uniform Step: this step's rows of the epoch, order[row_start .. row_start + rows)
//   1 order        array<u32>  [epoch rows]: dataset row of each epoch position (the shuffle)
//   2 input        array<vec4f> layer 0: the dataset [dataset rows × INPUTS], read through order;
//                              later layers: the previous activations [rows × INPUTS]; rows padded to vec4s
//   3 weights      array<vec4f> [(INPUTS + 1) × UNITS]: the kernel, then the bias as its last row; rows padded
//   4 activations  array<vec4f> [rows × OUT_STRIDE floats], written: OUT_STRIDE is UNITS padded to a multiple of 4
//                              for a hidden layer (its padding stays 0), UNITS for the output layer (read back as
//                              it is)
//   forward_loss only:
//   5 labels       array<f32>  [dataset rows × UNITS], read through order
//   6 deltas       array<f32>  [rows × UNITS], rows padded to vec4s, written: dJ/dz of this layer
//   7 losses       array<f32>  [epoch rows × UNITS], written: L(a, y) of each element at its epoch position
//   8 correct      array<f32>  [epoch rows × UNITS], written: 1 where (a > 0.5) equals y, else 0

override INPUTS: u32;
override UNITS: u32;
override ACTIVATION: u32; // 0 linear, 1 sigmoid, 2 relu, 3 tanh
override GATHER: bool; // input rows come from the dataset through order
override OUT_STRIDE: u32;
override LOSS: u32 = 0u; // forward_loss: 1 binary cross-entropy, 2 mean squared error

@group(0) @binding(1) var<storage, read> order: array<u32>;
@group(0) @binding(2) var<storage, read> input: array<vec4f>;
@group(0) @binding(3) var<storage, read> weights: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> activations: array<vec4f>;
@group(0) @binding(5) var<storage, read> labels: array<f32>;
@group(0) @binding(6) var<storage, read_write> deltas: array<f32>;
@group(0) @binding(7) var<storage, read_write> losses: array<f32>;
@group(0) @binding(8) var<storage, read_write> correct: array<f32>;

fn source_row(row: u32) -> u32 {
  if (GATHER) { return order[step.row_start + row]; }
  return row;
}

override INPUTS4: u32 = (INPUTS + 3u) / 4u; // vec4s per input row
override UNITS4: u32 = (UNITS + 3u) / 4u; // vec4s per weight row

// Where row `row` of A starts in input, looked up once per row (through the order for layer 0).
fn a_start(row: u32) -> u32 { return source_row(row) * INPUTS4; }
fn load_a4(start: u32, k4: u32) -> vec4f { return input[start + k4]; }
fn load_b4(k: u32, c4: u32) -> vec4f { return weights[k * UNITS4 + c4]; }

// C = A·B: [rows × inner] · [inner × cols], four terms of the inner dimension per pass.
fn matmul_ab(group: vec2u, local: vec3u, rows: u32, cols: u32, inner: u32) -> Block {
  let origin = block_origin(group, local, 4u);
  let c4 = min(origin.x, (cols + 3u) / 4u - 1u);
  let r = array(a_start(min(origin.y, rows - 1u)), a_start(min(origin.y + 1u, rows - 1u)), a_start(min(origin.y + 2u, rows - 1u)), a_start(min(origin.y + 3u, rows - 1u)));
  var sums: array<vec4f, 4>;
  for (var k4 = 0u; k4 * 4u < inner; k4++) {
    let k = k4 * 4u;
    let b0 = load_b4(k, c4);
    let b1 = select(vec4f(), load_b4(min(k + 1u, inner - 1u), c4), k + 1u < inner);
    let b2 = select(vec4f(), load_b4(min(k + 2u, inner - 1u), c4), k + 2u < inner);
    let b3 = select(vec4f(), load_b4(min(k + 3u, inner - 1u), c4), k + 3u < inner);
    let a0 = load_a4(r[0], k4);
    let a1 = load_a4(r[1], k4);
    let a2 = load_a4(r[2], k4);
    let a3 = load_a4(r[3], k4);
    sums[0] += a0.x * b0 + a0.y * b1 + a0.z * b2 + a0.w * b3;
    sums[1] += a1.x * b0 + a1.y * b1 + a1.z * b2 + a1.w * b3;
    sums[2] += a2.x * b0 + a2.y * b1 + a2.z * b2 + a2.w * b3;
    sums[3] += a3.x * b0 + a3.y * b1 + a3.z * b2 + a3.w * b3;
  }
  return Block(origin.y, origin.x * 4u, sums);
}

// z = the block's sums + b, row i.
fn z_row(block: Block, i: u32) -> vec4f {
  return block.sums[i] + weights[INPUTS * UNITS4 + min(block.col / 4u, UNITS4 - 1u)];
}

// Stores a row's four activations from column `col`: one vec4 into padded rows, the padding kept 0, or element by
// element into the output layer's unpadded rows.
fn store_activations(row: u32, col: u32, a: vec4f) {
  if (OUT_STRIDE == UNITS4 * 4u) {
    activations[row * UNITS4 + col / 4u] = select(vec4f(), a, vec4u(col) + vec4u(0u, 1u, 2u, 3u) < vec4u(UNITS));
  } else {
    for (var j = 0u; j < 4u; j++) {
      let flat = row * OUT_STRIDE + col + j;
      if (col + j < UNITS) { activations[flat / 4u][flat % 4u] = a[j]; }
    }
  }
}

@compute @workgroup_size(COLUMN_BLOCKS, SIDE)
fn forward(@builtin(workgroup_id) id: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_id) local: vec3u) {
  let block = matmul_ab(unfold(id, groups), local, step.rows, UNITS, INPUTS);
  for (var i = 0u; i < 4u; i++) {
    let row = block.row + i;
    if (row < step.rows && block.col < UNITS) { store_activations(row, block.col, activate(ACTIVATION, z_row(block, i))); }
  }
}

@compute @workgroup_size(COLUMN_BLOCKS, SIDE)
fn forward_loss(@builtin(workgroup_id) id: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_id) local: vec3u) {
  let block = matmul_ab(unfold(id, groups), local, step.rows, UNITS, INPUTS);
  let scale = 1.0 / f32(step.rows * UNITS);
  for (var i = 0u; i < 4u; i++) {
    let zs = z_row(block, i);
    let acts = activate(ACTIVATION, zs);
    let row = block.row + i;
    if (row < step.rows && block.col < UNITS) { store_activations(row, block.col, acts); }
    for (var j = 0u; j < 4u; j++) {
      let col = block.col + j;
      if (row < step.rows && col < UNITS) {
        let z = zs[j];
        let a = acts[j];
        let y = labels[order[step.row_start + row] * UNITS + col];
        deltas[row * UNITS4 * 4u + col] = loss_delta(LOSS, ACTIVATION, a, y, scale);
        let position = (step.row_start + row) * UNITS + col;
        losses[position] = loss_value(LOSS, ACTIVATION, z, a, y);
        correct[position] = select(0.0, 1.0, select(0.0, 1.0, a > 0.5) == y);
      }
    }
  }
}

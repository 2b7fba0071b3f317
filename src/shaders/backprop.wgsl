// backprop.wgsl: carries the deltas one layer back, dz[l−1] = (dz[l] · W[l]ᵀ) ⊙ g'(a[l−1]): an A·Bᵀ matmul
// with the previous layer's activation derivative fused into the epilogue.
// Includes step.wgsl, matmul.wgsl, activations.wgsl.
//
// Bindings (group 0), every matrix with its rows padded to vec4s:
//   0 step            uniform Step: rows in this step
//   1 deltas          array<vec4f> [rows × UNITS]: dz of this layer
//   2 weights         array<vec4f> [(INPUTS + 1) × UNITS]: this layer's kernel (the bias row is not read)
//   3 activations     array<vec4f> [rows × INPUTS]: a of the previous layer
//   4 input_deltas    array<vec4f> [rows × INPUTS], written: dz of the previous layer (its padding stays 0)

override INPUTS: u32;
override UNITS: u32;
override ACTIVATION: u32; // of the previous layer
override INPUTS4: u32 = (INPUTS + 3u) / 4u;
override UNITS4: u32 = (UNITS + 3u) / 4u;

@group(0) @binding(1) var<storage, read> deltas: array<vec4f>;
@group(0) @binding(2) var<storage, read> weights: array<vec4f>;
@group(0) @binding(3) var<storage, read> activations: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> input_deltas: array<vec4f>;

fn load_a4(row: u32, k4: u32) -> vec4f { return deltas[row * UNITS4 + k4]; }
fn load_bt4(col: u32, k4: u32) -> vec4f { return weights[col * UNITS4 + k4]; } // row `col` of W: a column of Wᵀ

// C = A·Bᵀ: [rows × inner] · [cols × inner]ᵀ, as dot products of vec4s of the inner dimension.
fn matmul_abt(group: vec2u, local: vec3u, rows: u32, cols: u32, inner: u32) -> Block {
  let origin = block_origin(group, local, 4u);
  let r = array(min(origin.y, rows - 1u), min(origin.y + 1u, rows - 1u), min(origin.y + 2u, rows - 1u), min(origin.y + 3u, rows - 1u));
  let c0 = origin.x * 4u;
  let c = array(min(c0, cols - 1u), min(c0 + 1u, cols - 1u), min(c0 + 2u, cols - 1u), min(c0 + 3u, cols - 1u));
  var sums: array<vec4f, 4>;
  for (var k4 = 0u; k4 * 4u < inner; k4++) {
    let b0 = load_bt4(c[0], k4);
    let b1 = load_bt4(c[1], k4);
    let b2 = load_bt4(c[2], k4);
    let b3 = load_bt4(c[3], k4);
    let a0 = load_a4(r[0], k4);
    let a1 = load_a4(r[1], k4);
    let a2 = load_a4(r[2], k4);
    let a3 = load_a4(r[3], k4);
    sums[0] += vec4f(dot(a0, b0), dot(a0, b1), dot(a0, b2), dot(a0, b3));
    sums[1] += vec4f(dot(a1, b0), dot(a1, b1), dot(a1, b2), dot(a1, b3));
    sums[2] += vec4f(dot(a2, b0), dot(a2, b1), dot(a2, b2), dot(a2, b3));
    sums[3] += vec4f(dot(a3, b0), dot(a3, b1), dot(a3, b2), dot(a3, b3));
  }
  return Block(origin.y, c0, sums);
}

@compute @workgroup_size(COLUMN_BLOCKS, SIDE)
fn backprop(@builtin(workgroup_id) id: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_id) local: vec3u) {
  let block = matmul_abt(unfold(id, groups), local, step.rows, INPUTS, UNITS);
  let real = vec4u(block.col) + vec4u(0u, 1u, 2u, 3u) < vec4u(INPUTS); // columns of the block inside dz[l−1]
  for (var i = 0u; i < 4u; i++) {
    let row = block.row + i;
    if (row < step.rows && block.col < INPUTS) {
      let index = row * INPUTS4 + block.col / 4u;
      input_deltas[index] = select(vec4f(), block.sums[i] * derivative(ACTIVATION, activations[index]), real);
    }
  }
}

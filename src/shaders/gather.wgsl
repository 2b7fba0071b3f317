// gather.wgsl: copies this step's rows of a dataset into a batch buffer whose rows are padded to vec4s, one chunk
// of the dataset at a time: an invocation per element of the batch, which copies it when its source row lies in
// this chunk. Used when the dataset exceeds maxStorageBufferBindingSize, and for an app's buffer whose rows are
// not whole vec4s.
// Includes step.wgsl.
//
// Bindings (group 0), after step.wgsl's 0 and 1:
//   2 chunk   array<f32>  [CHUNK_ROWS × STRIDE]: dataset rows FIRST_ROW .. FIRST_ROW + CHUNK_ROWS, COLS used of each
//   3 batch   array<f32>  [rows × COLS], rows padded to vec4s, written where the source row is in the chunk

override COLS: u32;
override STRIDE: u32; // of the chunk's rows: COLS, or COLS padded to vec4s
override BATCH_STRIDE: u32 = (COLS + 3u) / 4u * 4u;
override FIRST_ROW: u32;
override CHUNK_ROWS: u32;

@group(0) @binding(2) var<storage, read> chunk: array<f32>;
@group(0) @binding(3) var<storage, read_write> batch: array<f32>;

@compute @workgroup_size(64)
fn gather(@builtin(workgroup_id) id: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_id) local: vec3u) {
  let index = unfold(id, groups).y * 64u + local.x;
  let row = index / COLS;
  if (row >= step.rows) { return; }
  let source = source_of(row);
  if (source >= FIRST_ROW && source < FIRST_ROW + CHUNK_ROWS) {
    let col = index % COLS;
    batch[row * BATCH_STRIDE + col] = chunk[(source - FIRST_ROW) * STRIDE + col];
  }
}

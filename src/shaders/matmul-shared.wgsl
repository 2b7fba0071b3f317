// matmul-shared.wgsl: the three products of matmul.wgsl staged through workgroup memory, for GPUs, where a load
// from storage costs far more than one from workgroup memory. The kernels' *-shared.wgsl files use it
// (layers/dense/forward-shared.wgsl, backprop-shared.wgsl, update-shared.wgsl), each with the load functions of its
// register kernel, so both variants read their operands the same way and hand the same block to the same epilogue.
//
// A workgroup is GROUP × GROUP invocations, each computing its block of TILE_ROWS × TILE_COLS tiles at the place
// matmul.wgsl's block_origin gives it, so a dispatch covers the result exactly as the register kernel's does. A
// stage is STAGE passes of the inner dimension (four terms each): invocation (x, y) loads from storage its own
// block's tiles of A at pass x of the stage where x < STAGE, and its block's tiles of B at pass y where y < STAGE
// (the loads a register kernel makes in one pass), stores them here, and after a barrier multiplies its block over
// the stage's passes from here, as the other GROUP − 1 invocations of its row and of its column do. So a workgroup
// loads each tile of A and of B once where its invocations alone would load it GROUP times.
// A workgroup computes for one member of a group (step.wgsl's `unfold`), so a stage holds that member's tiles.
// Needs matmul.wgsl. No bindings of its own.

// GROUP, the workgroup's side (2, 4 or 8), is a module constant that kernels.ts writes before the kernel's source,
// as TILE_ROWS and TILE_COLS: it sizes the arrays below. A stage is 2 passes (8 terms), which keeps the workgroup
// memory, 128 · GROUP · (TILE_ROWS + TILE_COLS) bytes, at 4 KiB for 2 × 2 tiles in 8 × 8 invocations: room for many
// workgroups at once on GPUs with little workgroup memory, and short to compile where a driver writes out the zeros
// that WebGPU fills workgroup memory with (SwiftShader: about a second per 4 KiB on two cores).
const STAGE: u32 = 2u;

// A's tiles of a stage, as vec4s: row i of tile r of invocation row y at pass k is
// staged_a[((k · TILE_ROWS + r) · 4 + i) · GROUP + y], so that invocations of one row read one address and
// neighbouring rows neighbouring vec4s. B's likewise by invocation column x.
var<workgroup> staged_a: array<vec4f, 4u * TILE_ROWS * STAGE * GROUP>;
var<workgroup> staged_b: array<vec4f, 4u * TILE_COLS * STAGE * GROUP>;

// Row i of a staged tile is at index (base + i) · GROUP + lane.
fn store_a(base: u32, lane: u32, t: Tile) {
  staged_a[base * GROUP + lane] = t[0];
  staged_a[(base + 1u) * GROUP + lane] = t[1];
  staged_a[(base + 2u) * GROUP + lane] = t[2];
  staged_a[(base + 3u) * GROUP + lane] = t[3];
}
fn store_b(base: u32, lane: u32, t: Tile) {
  staged_b[base * GROUP + lane] = t[0];
  staged_b[(base + 1u) * GROUP + lane] = t[1];
  staged_b[(base + 2u) * GROUP + lane] = t[2];
  staged_b[(base + 3u) * GROUP + lane] = t[3];
}

// Stores an invocation's tiles of a stage: `a`, its block's tiles of A at pass local.x (where that is in the
// stage), and `b`, of B at pass local.y; then waits for the workgroup's.
fn stage(local: vec3u, a: TileColumn, b: TileRow) {
  if (local.x < STAGE) {
    //#for i < TILE_ROWS
    store_a((local.x * TILE_ROWS + {i}u) * 4u, local.y, a[{i}]);
    //#end
  }
  if (local.y < STAGE) {
    //#for i < TILE_COLS
    store_b((local.y * TILE_COLS + {i}u) * 4u, local.x, b[{i}]);
    //#end
  }
  workgroupBarrier();
}

fn staged_tile_a(base: u32, lane: u32) -> Tile {
  return Tile(staged_a[base * GROUP + lane], staged_a[(base + 1u) * GROUP + lane], staged_a[(base + 2u) * GROUP + lane], staged_a[(base + 3u) * GROUP + lane]);
}
fn staged_tile_b(base: u32, lane: u32) -> Tile {
  return Tile(staged_b[base * GROUP + lane], staged_b[(base + 1u) * GROUP + lane], staged_b[(base + 2u) * GROUP + lane], staged_b[(base + 3u) * GROUP + lane]);
}

// The staged tiles of A of invocation row `y` at pass `k`, and of B of invocation column `x`.
fn staged_a_tiles(k: u32, y: u32) -> TileColumn {
  var a: TileColumn;
  //#for i < TILE_ROWS
  a[{i}] = staged_tile_a((k * TILE_ROWS + {i}u) * 4u, y);
  //#end
  return a;
}
fn staged_b_tiles(k: u32, x: u32) -> TileRow {
  var b: TileRow;
  //#for i < TILE_COLS
  b[{i}] = staged_tile_b((k * TILE_COLS + {i}u) * 4u, x);
  //#end
  return b;
}

// tiles += the stage's products for this invocation's block over its first `passes` passes (STAGE, or fewer in a
// last stage); then waits until every invocation is done with the stage, so that the next may be stored.
fn multiply_stage(tiles: ptr<function, array<TileRow, TILE_ROWS>>, local: vec3u, passes: u32) {
  for (var k = 0u; k < min(passes, STAGE); k++) {
    multiply_add(tiles, staged_a_tiles(k, local.y), staged_b_tiles(k, local.x));
  }
  workgroupBarrier();
}

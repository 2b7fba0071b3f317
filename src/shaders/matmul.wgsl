// matmul.wgsl: what the three matrix products of a training step share: A·B (forward.wgsl), A·Bᵀ
// (backprop.wgsl) and Aᵀ·B (update.wgsl), each written out in the kernel file that uses it.
//
// Every product is a sum of 4 × 4 tile products. An invocation computes a block of TILE_ROWS × TILE_COLS tiles of
// the result (4 to 32 rows by 4 to 32 columns) straight from storage into registers: no workgroup memory and no
// barriers. Each pass of its loop loads, for four terms of the inner dimension, one tile of A per tile row and one
// tile of B per tile column, then multiplies every pair: a block of R × C tiles loads R + C tiles for R · C tile
// products, so a larger block loads less per multiply-add, and a smaller one leaves more invocations to run at
// once. The plan picks the block and the workgroup for each product and device (kernels.ts `blocking`).
//
// Operands are read as vec4s: every matrix the kernels share is row-major with its rows padded to whole vec4s, the
// padding zero (layouts in src/runtime/README.md). Each product loads its tiles through load functions of its
// kernel (a_tiles, and load_b for b_tiles below), which is where transposes, row gathers and the update's column
// of ones live; rows and columns are clamped into range there, so blocks past the edge compute on repeated rows and
// columns and store nothing.
// No bindings of its own.

// TILE_ROWS and TILE_COLS, the block's tiles down and across (1 to 8), are module constants that kernels.ts writes
// before the kernel's source: they size the block's arrays, and the loops over the block's tiles below are written
// out for them (`//#for`, wgsl.ts `unroll`), so that every index is a constant: a CPU adapter keeps constant-indexed
// arrays in registers, and indexes others lane by lane through memory.
override GROUP_X: u32 = 4u; // invocations per workgroup, across
override GROUP_Y: u32 = 4u; // invocations per workgroup, down

// A 4 × 4 tile, tile[i] its row i.
alias Tile = array<vec4f, 4>;
// A's tiles for one pass, one per tile row of the block.
alias TileColumn = array<Tile, TILE_ROWS>;
// B's tiles for one pass, one per tile column; also a row of the block's sums.
alias TileRow = array<Tile, TILE_COLS>;

struct Block {
  row: u32, // result row of tiles[0][0][0]
  col: u32, // result column of tiles[0][0][0].x, a multiple of 4
  tiles: array<TileRow, TILE_ROWS>, // tiles[r][c][i][j] = C[row + 4r + i, col + 4c + j]
}

// One row of one tile of a block: four results C[row, col .. col + 3]. The block holds BLOCK_VECTORS of them, so
// that an epilogue walks its block in one loop over n < BLOCK_VECTORS.
struct BlockRow {
  row: u32,
  col: u32,
  sums: vec4f,
}

const BLOCK_VECTORS: u32 = 4u * TILE_ROWS * TILE_COLS;

fn block_row(block: ptr<function, Block>, n: u32) -> BlockRow {
  let r = n / (4u * TILE_COLS);
  let c = n / 4u % TILE_COLS;
  let i = n % 4u;
  return BlockRow((*block).row + 4u * r + i, (*block).col + 4u * c, (*block).tiles[r][c][i]);
}

// The first result row and column of the block of invocation `local` in workgroup `group`.
fn block_origin(group: vec2u, local: vec3u) -> vec2u {
  return vec2u((group.x * GROUP_X + local.x) * TILE_COLS * 4u, (group.y * GROUP_Y + local.y) * TILE_ROWS * 4u);
}

fn transposed(t: Tile) -> Tile {
  return Tile(vec4f(t[0].x, t[1].x, t[2].x, t[3].x), vec4f(t[0].y, t[1].y, t[2].y, t[3].y),
              vec4f(t[0].z, t[1].z, t[2].z, t[3].z), vec4f(t[0].w, t[1].w, t[2].w, t[3].w));
}

// The block's tiles of B for one pass, one per tile column from vec4 column c4, each from the kernel's
// load_b(k, c4): k is the pass as that kernel counts it, and load_b clamps columns past the result's edge.
fn b_tiles(k: u32, c4: u32) -> TileRow {
  var b: TileRow;
  //#for i < TILE_COLS
  b[{i}] = load_b(k, c4 + {i}u);
  //#end
  return b;
}

// sum + a · b: a holds 4 rows × 4 terms of A, b 4 terms × 4 columns of B.
fn add_product(sum: Tile, a: Tile, b: Tile) -> Tile {
  return Tile(sum[0] + a[0].x * b[0] + a[0].y * b[1] + a[0].z * b[2] + a[0].w * b[3],
              sum[1] + a[1].x * b[0] + a[1].y * b[1] + a[1].z * b[2] + a[1].w * b[3],
              sum[2] + a[2].x * b[0] + a[2].y * b[1] + a[2].z * b[2] + a[2].w * b[3],
              sum[3] + a[3].x * b[0] + a[3].y * b[1] + a[3].z * b[2] + a[3].w * b[3]);
}

// One row of a block's tiles plus the products of a (one tile of A) with each tile of b (a row of B's tiles).
fn multiply_row(sums: TileRow, a: Tile, b: TileRow) -> TileRow {
  var s = sums;
  //#for i < TILE_COLS
  s[{i}] = add_product(s[{i}], a, b[{i}]);
  //#end
  return s;
}

// tiles[r][c] += a[r] · b[c] for every tile of the block.
fn multiply_add(tiles: ptr<function, array<TileRow, TILE_ROWS>>, a: TileColumn, b: TileRow) {
  //#for i < TILE_ROWS
  (*tiles)[{i}] = multiply_row((*tiles)[{i}], a[{i}], b);
  //#end
}

// Workgroups to dispatch for a rows × cols result: (ceil(cols / (4 · TILE_COLS · GROUP_X)),
// ceil(rows / (4 · TILE_ROWS · GROUP_Y))), `group` being the workgroup's place in that grid (step.wgsl's unfold).

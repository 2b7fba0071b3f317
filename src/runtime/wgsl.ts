// Small helpers for the WGSL the runtime assembles: loops unrolled for a kernel's block size, and literals.

/**
 * Writes out the loops of a kernel's source for its block: the lines between `//#for i < NAME` and `//#end` are
 * repeated for i = 0 .. sizes[NAME] − 1, each `{i}` replaced by the number. Every array index in them is then a
 * constant, which a CPU adapter keeps in registers (and indexes others lane by lane through memory).
 */
export function unroll(source: string, sizes: Record<string, number>): string {
  return source.replace(/^[ \t]*\/\/#for i < (\w+)\n([\s\S]*?)^[ \t]*\/\/#end\n/gm, (_, name: string, body: string) => {
    const count = sizes[name];
    if (count === undefined) throw new Error(`unroll: no size for ${name}`);
    return Array.from({ length: count }, (_, i) => body.replaceAll('{i}', String(i))).join('');
  });
}

/** A number as a WGSL f32 literal. */
export function f32(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`f32: ${value} has no WGSL literal`);
  const text = String(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

/** `const NAME = value;` lines for named f32 constants. */
export function f32Constants(constants: Record<string, number>): string {
  return Object.entries(constants)
    .map(([name, value]) => `const ${name} = ${f32(value)};\n`)
    .join('');
}

/** The bits of `value` as a float32, as a u32: how an f32 travels among u32 words (WGSL's bitcast<f32> reads it). */
export function f32Bits(value: number): number {
  return new Uint32Array(new Float32Array([value]).buffer)[0];
}

// The WGSL that the plan appends to a layer's kernel: what happens to each vec4 of results the kernel computes.
// A layer's kernel computes a product (a Dense layer's z, BatchNormalization's normalised rows, a gradient) and
// hands it over; the epilogue carries it through the element-wise operations that follow the layer (activations,
// dropout), stores it, and, at the network's output, scores it against the labels and starts backpropagation; or
// applies a gradient with the optimizer's rule. So those operations cost no dispatch of their own.
//
// Three kinds, each a WGSL function with bindings of its own, numbered from where the kernel's end:
//   output:  fn emit(row: u32, col: u32, z: vec4f)  z through the block's operations, stored, scored at the output
//   prior:   fn emit(row: u32, col: u32, d: vec4f)  dJ/d(a block's output) back through its operations, stored as
//                                                   that block's deltas
//   update:  fn update(index: u32, g: vec4f)         a gradient applied to the parameters at `index` (vec4s)
import { type ElementwiseName, elementwise } from '../activations/activations';
import { EPSILON, type ElementLoss } from '../losses/loss';
import type { OptimizerDefinition, OptimizerSpec } from '../optimizers/optimizer';
import { commonWgsl } from '../optimizers/update';
import type { Members, RunConstants } from './members';
import type { Stat } from './scoring';
import { f32 } from './wgsl';

export type BindingKind = 'read' | 'write';

export interface Binding {
  kind: BindingKind;
  resource: GPUBuffer | GPUBufferBinding;
}

/** WGSL appended to a kernel, with its bindings, numbered from `first`. */
export interface Epilogue {
  /** For the dispatch's name: 'loss' where the epilogue scores, the optimizer's name where it updates. */
  name?: string;
  /** For people: what it does. */
  text: string;
  bindings: Binding[];
  code(first: number): string;
}

/**
 * An element-wise operation of a block: an activation, dropout. Its WGSL expressions act on four columns at once
 * (col .. col + 3 of row `row`, both in scope).
 */
export interface PointwiseOp {
  text: string;
  /** Functions and constants it needs; the same text from two operations is written once. */
  declarations: string;
  /** The operation applied to `v`. */
  forward(v: string): string;
  /** dJ/d(input) from `d` = dJ/d(output) and `a`, the output. */
  backward(d: string, a: string): string;
  /** The input from the output `a`: exact wherever the derivative is not zero. */
  input(a: string): string;
}

/** An element-wise activation as a block operation; linear is no operation at all. */
export function activationOp(name: ElementwiseName): PointwiseOp | undefined {
  if (name === 'linear') return undefined;
  const { wgsl } = elementwise[name];
  return {
    text: name,
    declarations: `fn ${name}_value(z: vec4f) -> vec4f { return ${wgsl.value}; }
fn ${name}_derivative(a: vec4f) -> vec4f { return ${wgsl.derivative}; }
fn ${name}_input(a: vec4f) -> vec4f { return ${wgsl.input}; }
`,
    forward: (v) => `${name}_value(${v})`,
    backward: (d, a) => `${d} * ${name}_derivative(${a})`,
    input: (a) => `${name}_input(${a})`,
  };
}

const declare = (binding: number, name: string, kind: BindingKind, type: string) =>
  `@group(0) @binding(${binding}) var<storage, ${kind === 'read' ? 'read' : 'read_write'}> ${name}: ${type};\n`;

/** The declarations the operations need, each text once. */
export const declarations = (ops: PointwiseOp[]) => [...new Set(ops.map((op) => op.declarations))].join('');

/** `real`: which of the four columns from `col` lie inside a row of `width`. */
export const realColumns = (width: number) => `let real = vec4u(col) + vec4u(0u, 1u, 2u, 3u) < vec4u(${width}u);`;

/** Statements carrying `z` through the operations: v0 = z, v1, ..., the last the block's output. */
export const forwardThrough = (ops: PointwiseOp[]) => ['let v0 = z;', ...ops.map((op, k) => `let v${k + 1} = ${op.forward(`v${k}`)};`)];

/**
 * Statements carrying `d` (a var holding dJ/d(a block's output)) back through its operations, last first, each
 * operation's input recovered from its output, the first from `output`, the block's stored output.
 */
export function backThrough(ops: PointwiseOp[], output: string): string[] {
  const n = ops.length;
  const body = n > 0 ? [`let a${n} = ${output};`] : [];
  for (let k = n; k >= 1; k--) {
    body.push(`d = ${ops[k - 1].backward('d', `a${k}`)};`);
    if (k > 1) body.push(`let a${k - 1} = ${ops[k - 1].input(`a${k}`)};`);
  }
  return body;
}

/** Where a block's output goes: rows padded to vec4s (hidden blocks, read by the next), or as they are (the output). */
export interface BlockOutput {
  buffer: GPUBuffer;
  width: number;
  padded: boolean;
}

/** The statements that store `value` (vec4f) at (row, col) of a block's output. */
function storeOutput(output: BlockOutput, value: string, members: Members): string {
  const w = output.width;
  if (output.padded) return `outputs[${members.offset(output.buffer)}row * ${Math.ceil(w / 4)}u + col / 4u] = select(vec4f(), ${value}, real);`;
  return `for (var j = 0u; j < 4u; j++) { if (col + j < ${w}u) { outputs[${members.offset(output.buffer, 4)}row * ${w}u + col + j] = ${value}[j]; } }`;
}

/** The output block's scoring in the forward epilogue, for element-wise outputs. */
export interface ElementHead {
  lossName: string;
  loss: ElementLoss;
  labels: GPUBufferBinding | GPUBuffer;
  /** dJ/dz of the output block, written in training. */
  deltas?: GPUBuffer;
  scores: GPUBuffer;
  /** Where each element's loss goes; weighted where the rows carry sample weights, and so are the deltas. */
  lossStat: Stat;
  /** The element metrics' stats this kernel writes. */
  stats: Stat[];
  /** The rows' weights, written at column 0, where a weighted metric needs Σ w. */
  weight?: Stat;
  /** WGSL `fn sample_weight(source: u32) -> f32`: each dataset row's weight. */
  sampleWeight: string;
}

/** The statement storing element stat `stat`'s value `value` (vec4f) at the four columns from `col`. */
function storeStats(stores: { stat: Stat; value: string }[], width: number, scores: string): string {
  const lines = stores.map(({ stat, value }) => `scores[${scores}${stat.offset}u + position + j] = ${value}[j]${stat.weighted ? ' * w' : ''};`);
  return `for (var j = 0u; j < 4u; j++) { if (col + j < ${width}u) { ${lines.join(' ')} } }`;
}

/**
 * The forward epilogue of a block: z through `ops`, stored; with `head`, the output's losses and metrics at each
 * epoch position and, in training, the deltas dJ/dz = w · ∂J/∂a back through the operations, scaled by
 * 1/(rows · units) for the mean (w the row's sample weight, 1 without). A loss fused with the block's last
 * activation (binary cross-entropy after a sigmoid) takes its logits for the value and gives the gradient in them
 * directly.
 */
export function outputEpilogue(ops: PointwiseOp[], output: BlockOutput, members: Members, head?: ElementHead): Epilogue {
  const w = output.width;
  const n = ops.length;
  const last = ops.at(-1);
  const fused = head?.loss.fused && last?.text === head.loss.fused.activation ? head.loss.fused : undefined;
  const bindings: Binding[] = [{ kind: 'write', resource: output.buffer }];
  if (head) bindings.push({ kind: 'read', resource: head.labels }, ...(head.deltas ? [{ kind: 'write' as const, resource: head.deltas }] : []), { kind: 'write', resource: head.scores });
  const text = [...ops.map((op) => op.text), ...(head ? [`${head.lossName}${head.deltas ? ' and dJ/dz' : ''}`] : [])].join(', ') || 'z';
  return {
    name: head ? 'loss' : undefined,
    text,
    bindings,
    code(first) {
      let code = declare(first, 'outputs', 'write', output.padded ? 'array<vec4f>' : 'array<f32>') + declarations(ops);
      const body = [...forwardThrough(ops), realColumns(w), storeOutput(output, `v${n}`, members)];
      if (head) {
        const weighted = head.lossStat.weighted;
        code += declare(first + 1, 'labels', 'read', 'array<f32>');
        if (head.deltas) code += declare(first + 2, 'deltas', 'write', 'array<vec4f>');
        code += declare(first + (head.deltas ? 3 : 2), 'scores', 'write', 'array<f32>');
        code += `const EPSILON = ${f32(EPSILON)};\n${head.sampleWeight}`;
        code += `fn loss_value(a: vec4f, y: vec4f, z: vec4f) -> vec4f { ${fused ? fused.wgsl.value : head.loss.wgsl.value} }\n`;
        code += `fn loss_gradient(a: vec4f, y: vec4f) -> vec4f { ${fused ? fused.wgsl.gradient : head.loss.wgsl.gradient} }\n`;
        head.stats.forEach((stat, k) => (code += `fn metric_${k}(a: vec4f, y: vec4f) -> vec4f { ${stat.wgsl} }\n`));
        body.push(
          'let source = source_of(row);',
          'let w = sample_weight(source);',
          'var y = vec4f();',
          `for (var j = 0u; j < 4u; j++) { if (col + j < ${w}u) { y[j] = labels[source * ${w}u + col + j]; } }`,
          // z: the logits of the fused activation, else unused.
          `let losses = loss_value(v${n}, y, v${Math.max(0, n - 1)});`,
        );
        if (head.deltas) {
          // dJ/d(v_k) from the output back: a fused loss starts past its activation.
          const start = fused ? n - 1 : n;
          body.push(`var d = loss_gradient(v${n}, y);`);
          for (let k = start; k >= 1; k--) body.push(`d = ${ops[k - 1].backward('d', `v${k}`)};`);
          body.push(`deltas[${members.offset(head.deltas)}row * ${Math.ceil(w / 4)}u + col / 4u] = select(vec4f(), d${weighted ? ' * w' : ''} / f32(step.rows * ${w}u), real);`);
        }
        body.push(`let position = (step.row_start + row) * ${w}u + col;`);
        head.stats.forEach((_, k) => body.push(`let metric${k} = metric_${k}(v${n}, y);`));
        const scores = members.offset(head.scores, 4);
        body.push(storeStats([{ stat: head.lossStat, value: 'losses' }, ...head.stats.map((stat, k) => ({ stat, value: `metric${k}` }))], w, scores));
        if (head.weight) body.push(`if (col == 0u) { scores[${scores}${head.weight.offset}u + step.row_start + row] = w; }`);
      }
      return `${code}fn emit(row: u32, col: u32, z: vec4f) {\n  ${body.join('\n  ')}\n}\n`;
    },
  };
}

/**
 * The backward epilogue that ends in a block: dJ/d(its output) back through its operations, last first, each
 * operation's input recovered from its output (the block stores only its output), stored as the block's deltas.
 */
export function priorEpilogue(ops: PointwiseOp[], output: GPUBuffer, width: number, deltas: GPUBuffer, members: Members): Epilogue {
  // The block's output and its deltas have the same shape, so one index serves both.
  const body = [`let index = ${members.offset(output)}row * ${Math.ceil(width / 4)}u + col / 4u;`, realColumns(width), 'var d = dz;', ...backThrough(ops, 'prior_outputs[index]')];
  body.push('prior_deltas[index] = select(vec4f(), d, real);');
  return {
    text: ops.map((op) => `${op.text}'`).join(' ⊙ ') || 'linear',
    bindings: [
      { kind: 'read', resource: output },
      { kind: 'write', resource: deltas },
    ],
    code: (first) =>
      declare(first, 'prior_outputs', 'read', 'array<vec4f>') +
      declare(first + 1, 'prior_deltas', 'write', 'array<vec4f>') +
      declarations(ops) +
      `fn emit(row: u32, col: u32, dz: vec4f) {\n  ${body.join('\n  ')}\n}\n`,
  };
}

/** The prior epilogue of the first layer, whose input is the data: nothing to carry back. */
export const emptyPrior: Epilogue = { text: '', bindings: [], code: () => 'fn emit(row: u32, col: u32, dz: vec4f) {}\n' };

/**
 * The update epilogue of a layer's parameters: Keras's element-wise steps (clipping each element, decoupled weight
 * decay; optimizers/update.ts) and the optimizer's rule applied in place to the vec4 at `index` (of the member's
 * parameters), its state `s0`, `s1`, ... read from and written back to the moments buffer ([slots × parameters] per
 * member, slot k at k × the parameters' vec4s), its hyperparameters among the run's constants. The parameters are
 * bound as `parameters`, which the kernel may read too (at `member_parameter(index)`).
 */
export function updateEpilogue(optimizer: OptimizerDefinition, spec: OptimizerSpec, parameters: GPUBuffer, moments: GPUBuffer | undefined, members: Members, constants: RunConstants): Epilogue {
  const vectors = parameters.size / members.count / 16;
  const slots = Array.from({ length: optimizer.slots(spec) }, (_, k) => k);
  const at = (k: number) => `moments[${moments ? members.offset(moments) : ''}${k * vectors}u + index]`;
  const hyperparameters = Object.entries(optimizer.constants(spec)).map(([name, value]) => `  let ${name} = ${constants.float(value)};\n`).join('');
  const common = commonWgsl(spec, constants);
  return {
    name: spec.name,
    text: `updated by ${spec.name}`,
    bindings: [{ kind: 'write', resource: parameters }, ...(moments && slots.length > 0 ? [{ kind: 'write' as const, resource: moments }] : [])],
    code: (first) =>
      declare(first, 'parameters', 'write', 'array<vec4f>') +
      (moments && slots.length > 0 ? declare(first + 1, 'moments', 'write', 'array<vec4f>') : '') +
      `fn member_parameter(index: u32) -> u32 { return ${members.offset(parameters)}index; }
fn update(index: u32, gradient: vec4f) {
${hyperparameters}  var g = gradient;
  var w = parameters[member_parameter(index)];
${slots.map((k) => `  var s${k} = ${at(k)};\n`).join('')}  ${common}
  ${optimizer.wgsl(spec)}
  parameters[member_parameter(index)] = w;
${slots.map((k) => `  ${at(k)} = s${k};\n`).join('')}}
`,
  };
}

/**
 * The update epilogue where the optimizer clips by a norm, which needs every gradient first: the gradient of the
 * vec4 at `index` stored in the network's gradients at `offset` (vec4s), for the plan's norms and apply kernels. The
 * parameters are bound as `parameters`, read only.
 */
export function deferredEpilogue(parameters: GPUBuffer, gradients: GPUBuffer, offset: number, members: Members): Epilogue {
  return {
    name: 'gradient',
    text: 'kept for norm clipping',
    bindings: [
      { kind: 'read', resource: parameters },
      { kind: 'write', resource: gradients },
    ],
    code: (first) =>
      declare(first, 'parameters', 'read', 'array<vec4f>') +
      declare(first + 1, 'gradients', 'write', 'array<vec4f>') +
      `fn member_parameter(index: u32) -> u32 { return ${members.offset(parameters)}index; }\nfn update(index: u32, g: vec4f) { gradients[${members.offset(gradients)}${offset}u + index] = g; }\n`,
  };
}

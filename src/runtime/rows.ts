// The output's row kernel (shaders/rows.wgsl): what the runtime appends to it. `scoreRow` generates the scoring of a
// whole row of outputs: a row loss (after a softmax) with its deltas, the rows' weights, and the metrics' stats,
// per row or, for a softmax output (which only this kernel sees after the softmax), per element.
import { EPSILON, type RowLoss } from '../losses/loss';
import type { Binding, Epilogue } from './epilogues';
import type { Members } from './members';
import type { Stat } from './scoring';
import { f32 } from './wgsl';

export interface RowHead {
  labels: GPUBufferBinding | GPUBuffer;
  /** 1: a class index per row; else a label per unit. */
  labelColumns: number;
  units: number;
  scores: GPUBuffer;
  /** The loss, where it needs whole rows (categorical cross-entropy after a softmax), with the deltas in training. */
  loss?: { definition: RowLoss; stat: Stat; deltas?: GPUBuffer };
  /** The metrics' stats this kernel writes, per row or per element. */
  stats: Stat[];
  /** The rows' weights, where a weighted metric needs Σ w. */
  weight?: Stat;
  /** WGSL `fn sample_weight(source: u32) -> f32`: each dataset row's weight. */
  sampleWeight: string;
}

const declare = (binding: number, name: string, write: boolean) =>
  `@group(0) @binding(${binding}) var<storage, ${write ? 'read_write' : 'read'}> ${name}: array<f32>;\n`;

/** `fn score_row(row: u32)` and its bindings, or an empty one where the pass does not score. `text` says what it scores. */
export function scoreRow(head: RowHead | undefined, text: string, members: Members): Epilogue {
  if (!head) return { text, bindings: [], code: () => 'fn score_row(row: u32) {}\n' };
  const { units, loss } = head;
  const deltas = loss?.deltas;
  const scores = members.offset(head.scores, 4);
  const bindings: Binding[] = [{ kind: 'read', resource: head.labels }, ...(deltas ? [{ kind: 'write' as const, resource: deltas }] : []), { kind: 'write', resource: head.scores }];
  let code = `const EPSILON = ${f32(EPSILON)};\n${head.sampleWeight}`;
  if (head.labelColumns === 1) {
    code += 'fn label(source: u32, j: u32) -> f32 { return select(0.0, 1.0, u32(labels[source]) == j); }\n';
    code += 'fn argmax_label(source: u32) -> u32 { return u32(labels[source]); }\n';
  } else {
    code += `fn label(source: u32, j: u32) -> f32 { return labels[source * ${units}u + j]; }\n`;
    code += `fn argmax_label(source: u32) -> u32 {
  var best = 0u;
  for (var j = 1u; j < ${units}u; j++) { if (label(source, j) > label(source, best)) { best = j; } }
  return best;
}\n`;
  }
  const body = ['let source = source_of(row);', 'let position = step.row_start + row;', 'let w = sample_weight(source);'];
  const times = (stat: Stat) => (stat.weighted ? ' * w' : '');
  if (loss) {
    code += `fn term(a: f32, y: f32) -> f32 { ${loss.definition.wgsl.term} }\n`;
    body.push(
      'var total = 0.0; // Σy',
      `for (var j = 0u; j < ${units}u; j++) { total += label(source, j); }`,
      'var loss = 0.0;',
      `for (var j = 0u; j < ${units}u; j++) {`,
      '  let a = output_at(row, j);',
      '  let y = label(source, j);',
      '  loss += term(a, y);',
      ...(deltas ? [`  deltas[${members.offset(deltas, 4)}row * ${Math.ceil(units / 4) * 4}u + j] = (a * total - y)${times(loss.stat)} / f32(step.rows);`] : []),
      '}',
      `scores[${scores}${loss.stat.offset}u + position] = loss${times(loss.stat)};`,
    );
  }
  if (head.weight) body.push(`scores[${scores}${head.weight.offset}u + position] = w;`);
  head.stats.forEach((stat, k) => {
    if (stat.per === 'row') {
      code += `fn row_stat_${k}(row: u32, source: u32) -> f32 { ${stat.wgsl} }\n`;
      body.push(`scores[${scores}${stat.offset}u + position] = row_stat_${k}(row, source)${times(stat)};`);
    } else {
      code += `fn element_stat_${k}(a: vec4f, y: vec4f) -> vec4f { ${stat.wgsl} }\n`;
      body.push(`for (var j = 0u; j < ${units}u; j++) { scores[${scores}${stat.offset}u + position * ${units}u + j] = element_stat_${k}(vec4f(output_at(row, j)), vec4f(label(source, j))).x${times(stat)}; }`);
    }
  });
  return {
    text,
    bindings,
    code: (first) =>
      declare(first, 'labels', false) + (deltas ? declare(first + 1, 'deltas', true) : '') + declare(first + (deltas ? 2 : 1), 'scores', true) +
      `${code}fn score_row(row: u32) {\n  ${body.join('\n  ')}\n}\n`,
  };
}

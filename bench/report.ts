// The benchmark's results as tables, the targets computed from them, and where webgpu-nn's step time goes.
import type { Breakdown, Calls, Environment, Floor, FullSizeResult, GroupResult, LessonResult, MatmulResult, ScaleResult, TuningResult } from './suite';

export interface Results {
  host: 'chromium' | 'node';
  quick: boolean;
  /** Dawn's null backend: every call validated and recorded, no kernel run; times are the host's alone. */
  nullBackend?: boolean;
  date: string;
  commit: string;
  /** The browser's or Node's version, and Dawn's. */
  runtime: string;
  /** load: the 1-minute load average when the benchmark started and when it ended (other work skews the numbers). */
  machine: { cpu: string; cores: number; memoryGiB: number; os: string; load: number[] };
  environment: Environment;
  lesson: LessonResult[];
  matmul: MatmulResult[];
  emptyDispatch?: { count: number; us: number };
  workgroupMemory: { bytes: number; reps: number; us: number }[];
  scale: ScaleResult[];
  fullSize: FullSizeResult[];
  /** ModelGroup against sequential fits (older results have none). */
  groups?: GroupResult[];
  breakdown: Breakdown[];
  /** webgpu-nn with compile({ tuning: 'auto' }) and without, alternated in rounds (not on the null backend). */
  tuning?: TuningResult[];
  /** On the null backend: the calls fit makes, each at its least cost. */
  floors?: Floor[];
  /**
   * The relative targets' numbers measured together: each round times webgpu-nn's lesson step at batch 32 and at
   * full batch and, right after, our square matmuls once more (the fastest is the round's peak), so that each ratio
   * divides speeds measured seconds apart, not minutes (this machine drifts by tens of percent within minutes).
   */
  paired?: PairedRound[];
  targets?: Target[];
}

export interface PairedRound {
  batch32: LessonResult;
  fullBatch: LessonResult;
  peak: MatmulResult;
}

export interface Target {
  name: string;
  /** undefined: a number it needs was not measured. */
  pass: boolean | undefined;
  measured: string;
  required: string;
}

const GPU_LIBRARIES = ['webgpu-nn', 'tfjs-webgpu'];
const TOLERANCE = 1e-4;

const fixed = (v: number, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
export const ms = (v: number) => fixed(v, v < 10 ? 3 : v < 1000 ? 1 : 0);
const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

/** Columns padded to their widest cell; the first column left-aligned, the others right-aligned. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

function lessonTable(results: LessonResult[], batchSize: number): string {
  const rows = results.filter((r) => r.batchSize === batchSize);
  if (rows.length === 0) return '';
  const ours = rows.find((r) => r.library === 'webgpu-nn');
  const { stepsPerEpoch, warmupSteps } = rows[0];
  const callNames: (keyof Calls)[] = ['dispatches', 'submits', 'maps', 'bindGroups', 'writes', 'buffers'];
  return [
    `Lesson, batch ${batchSize} (${stepsPerEpoch} step${stepsPerEpoch > 1 ? 's' : ''} per epoch); loss: the mean of the last epoch after ${warmupSteps} steps from the same weights`,
    table(
      ['library', 'ms/step', '÷ webgpu-nn', 'epochs/run', 'runs', 'loss', 'Δ loss', ...callNames.map((n) => `${n}/step`)],
      rows.map((r) => [
        r.library,
        ms(r.msPerStep),
        ours ? `${fixed(r.msPerStep / ours.msPerStep, 1)}×` : '–',
        String(r.epochsPerRun),
        String(r.runMs.length),
        r.loss.toPrecision(7),
        ours && r !== ours ? relative(r.loss, ours.loss).toExponential(1) : '',
        ...callNames.map((n) => (GPU_LIBRARIES.includes(r.library) ? fixed(r.perStep[n]) : '–')),
      ]),
    ),
  ].join('\n');
}

function matmulTable({ matmul: results, emptyDispatch: empty, workgroupMemory }: Results): string {
  const shapes = [...new Map(results.map((r) => [r.shape.join('×'), r.shape])).values()];
  const cells = (r: MatmulResult | undefined) => (r ? [ms(r.ms), fixed(r.gflops, 3), r.runs > 1 ? `${r.runs} × ${r.reps}` : String(r.reps)] : ['–', '–', '–']);
  const find = (library: string, shape: number[]) => results.find((r) => r.library === library && r.shape.join() === shape.join());
  return [
    'Matmul [rows × inner] · [inner × cols]: webgpu-nn\'s forward kernel (reps dispatches in one submit; the median of runs) and TF.js webgpu\'s tf.matMul',
    table(
      ['rows×inner·inner×cols', 'MFLOP', 'ours ms', 'ours GFLOP/s', 'reps', 'tf.matMul ms', 'tf GFLOP/s', 'reps'],
      shapes.map((s) => [`${s[0]}×${s[1]}·${s[1]}×${s[2]}`, fixed((2 * s[0] * s[1] * s[2]) / 1e6, 2), ...cells(find('webgpu-nn', s)), ...cells(find('tfjs-webgpu', s))]),
    ),
    empty ? `Empty dispatch: ${fixed(empty.us, 1)} µs each (${empty.count} in one pass, one submit)` : 'Empty dispatch: not measured',
    `One 8 × 8 workgroup filling workgroup memory (zero-filled by WebGPU first), per dispatch: ${workgroupMemory.map((w) => `${w.bytes} B ${fixed(w.us, 1)} µs`).join(', ')}`,
  ].join('\n');
}

function scaleTable(results: ScaleResult[]): string {
  return [
    'webgpu-nn on WebGPU as it grows: batch 32, digits repeated to the row count, layers 400 → width → 15 → 1',
    table(
      ['examples', 'width', 'epochs/run', 'runs', 'ms/epoch', 'ms/step', 'GFLOP/s'],
      results.map((r) => [String(r.rows), String(r.width), String(r.epochsPerRun), String(r.runs), ms(r.msPerEpoch), ms(r.msPerStep), fixed(r.gflops, 3)]),
    ),
  ].join('\n');
}

function fullSizeTable(results: FullSizeResult[]): string {
  if (results.length === 0) return '';
  const ours = results.find((r) => r.library === 'webgpu-nn');
  const { widths, batchSize, rows, epochSteps, warmupSteps } = results[0];
  const timed = (r: FullSizeResult) =>
    r.timed === 'fit'
      ? `one fit call, 1 epoch over ${Math.min(rows, r.steps * batchSize)} rows`
      : `${r.steps} trainOnBatch call${r.steps > 1 ? 's' : ''}, each awaited`;
  return [
    `Full size: ${widths.join(' → ')} (relu, Dropout 0.2, relu, Dropout 0.2, softmax), RMSprop, categorical cross-entropy, batch ${batchSize}, ${rows} synthetic rows (${epochSteps} steps an epoch)`,
    `timed: as many steps as the last warm-up step says fit the budget, all of an epoch's where they fit; loss: the mean of the ${warmupSteps} warm-up steps from the same weights (the libraries' dropout masks differ, so only close)`,
    table(
      ['library', 'timed', 'steps', 'ms/step', '÷ webgpu-nn', 'GFLOP/s', 'loss', 'Δ loss'],
      results.map((r) => [
        r.library,
        timed(r),
        `${r.steps}/${r.epochSteps}`,
        ms(r.msPerStep),
        ours ? `${fixed(r.msPerStep / ours.msPerStep, 1)}×` : '–',
        fixed(r.stepFlops / r.msPerStep / 1e6, 3),
        r.loss.toPrecision(7),
        ours && r !== ours ? relative(r.loss, ours.loss).toExponential(1) : '',
      ]),
    ),
  ].join('\n');
}

const medianOf = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

/**
 * The tuner against the heuristic: per workload, the median time of each and their ratio, with the rounds' range;
 * the first fit (or predict) of the first tuned model, which times the products; and the kernels that differ.
 */
function tuningTable(results: TuningResult[]): string {
  const workloads = [...new Map(results.map((r) => [`${r.workload} ${r.batchSize}`, r])).values()];
  const name = (r: TuningResult) => (r.workload === 'matmul' ? `predict ${r.batchSize} rows, Dense(${r.batchSize}) of ${r.batchSize} inputs` : `${r.workload === 'lesson' ? 'lesson' : 'lesson, first layer 1024 wide'}, batch ${r.batchSize}`);
  const rows = workloads.map((w) => {
    const of = (tuning: boolean) => results.filter((r) => r.workload === w.workload && r.batchSize === w.batchSize && r.tuning === tuning);
    const [off, on] = [of(false), of(true)];
    const times = (list: TuningResult[]) => list.map((r) => r.ms).sort((a, b) => a - b);
    const [offMs, onMs] = [medianOf(times(off)), medianOf(times(on))];
    const range = (list: TuningResult[]) => (list.length > 1 ? ` (${ms(times(list)[0])}–${ms(times(list).at(-1)!)})` : '');
    const changed = on[0] && off[0] ? on[0].kernels.filter((k, i) => k !== off[0].kernels[i]).length : NaN;
    return [name(w), `${ms(offMs)}${range(off)}`, `${ms(onMs)}${range(on)}`, `${fixed(onMs / offMs, 3)}×`, String(on.length), on[0] ? fixed(on[0].firstMs / 1000, 1) : '–', off[0] ? fixed(off[0].firstMs / 1000, 1) : '–', `${changed} of ${on[0]?.kernels.length ?? '–'}`];
  });
  return [
    "compile({ tuning: 'auto' }) against the heuristic: ms per step (matmul: per predict), the median of alternated rounds (their range); first: the first tuned model's first fit or predict, which times its products, and the heuristic's",
    table(['workload', 'heuristic ms', 'tuned ms', 'tuned ÷ heuristic', 'rounds', 'first tuned s', 'first heuristic s', 'kernels changed'], rows),
  ].join('\n');
}

/**
 * A library's host cost on the null backend, where no kernel runs, from its lesson runs at batch 32 (32 steps an
 * epoch), 500 (two) and full batch (one). An epoch costs fixed + steps × step: batch 500's and the full batch's mean
 * epochs (whole fit calls ÷ their epochs, so that every cost of fit counts), whose steps run the same kernels, give
 * the step's cost and the epoch's fixed cost. The batch-32 step is the target's own measure: on an adapter that is
 * not a fallback its whole epoch is one dispatch for webgpu-nn (src/runtime/epoch-kernel.ts), so its steps are not
 * the full batch's. fit's own setup, per call, is a run's first epoch less a median epoch (the median of the times
 * between epoch ends, which leaves out occasional stalls that the means include).
 */
export function hostCost(r: Results, library: string) {
  const find = (batchSize: number) => r.lesson.find((l) => l.library === library && l.batchSize === batchSize);
  const [small, half, full] = [find(32), find(500), find(1000)];
  if (!small || !half || !full) return undefined;
  const meanEpochUs = (l: LessonResult) => 1000 * l.msPerStep * l.stepsPerEpoch;
  const stepUs = (meanEpochUs(half) - meanEpochUs(full)) / (half.stepsPerEpoch - full.stepsPerEpoch);
  return {
    small,
    full,
    /** The target's measure at batch 32: whole fit calls ÷ their steps. */
    batch32Us: 1000 * small.msPerStep,
    /** The same from the median epoch: no fit setup, no stall. */
    batch32MedianUs: (1000 * small.epochMs) / small.stepsPerEpoch,
    /** A full-batch epoch: whole fit calls ÷ their epochs, and the median. */
    fullEpochUs: meanEpochUs(full),
    fullEpochMedianUs: 1000 * full.epochMs,
    stepUs,
    /** A full-batch epoch's fixed cost: the epoch without its one step. */
    epochFixedUs: meanEpochUs(full) - stepUs,
    fitSetupUs: 1000 * (small.firstEpochMs - small.epochMs),
  };
}

const us = (v: number) => fixed(v, v < 100 ? 1 : 0);

function hostCostSection(r: Results): string {
  const libraries = [...new Set(r.lesson.map((l) => l.library))];
  const costs = libraries.map((library) => [library, hostCost(r, library)] as const).filter((c) => c[1] !== undefined);
  const floor = (name: string) => r.floors?.find((f) => f.name.startsWith(name))?.us ?? NaN;
  // Each map is a readback (copy, submit, map); any other submit costs at least an empty one.
  const unavoidable = (l: LessonResult) => l.perStep.maps * floor('readback') + Math.max(0, l.perStep.submits - l.perStep.maps) * floor('submit');
  return [
    "Host cost on Dawn's null backend (no kernel runs: times are the host's; buffers read back garbage, so losses mean nothing)",
    "µs/step b32: whole fit calls ÷ their steps (per-epoch costs spread over an epoch's 32 steps); full-batch epoch: whole fit calls ÷ their epochs (one step each);",
    'median: the same from the median time between two epoch ends; step and epoch fixed: an epoch = fixed + steps × step, from batch 500 (2 steps) and full batch; fit setup: a fit call\'s first epoch less a median one, batch 32',
    table(
      ['library', 'µs/step b32', 'median', 'full-batch epoch µs', 'median', 'step µs', 'epoch fixed µs', 'fit setup µs', 'dispatches/step', 'submits/step', 'maps/step', 'floor µs/step b32', 'floor µs/epoch full'],
      costs.map(([library, c]) => [
        library, us(c!.batch32Us), us(c!.batch32MedianUs), us(c!.fullEpochUs), us(c!.fullEpochMedianUs), us(c!.stepUs), us(c!.epochFixedUs), us(c!.fitSetupUs),
        fixed(c!.small.perStep.dispatches), fixed(c!.small.perStep.submits), fixed(c!.small.perStep.maps),
        us(unavoidable(c!.small)), us(unavoidable(c!.full)),
      ]),
    ),
    'floor: the submits and maps counted, each at its least cost below (a map as a whole readback)',
    r.floors ? `Floors, each call awaited before the next: ${r.floors.map((f) => `${f.name} ${us(f.us)} µs`).join('; ')}` : 'Floors: not measured',
  ].join('\n');
}

/** A breakdown's time per step: the step's dispatches, and the once-per-epoch ones shared by the epoch's steps. */
const perStep = (b: Breakdown, stepsPerEpoch: number) => b.dispatches.reduce((sum, d) => sum + (d.perEpoch ? d.ms / stepsPerEpoch : d.ms), 0);

function breakdownTable(b: Breakdown, step: LessonResult | undefined): string {
  const total = perStep(b, step?.stepsPerEpoch ?? 1);
  return [
    `webgpu-nn's step at batch ${b.batchSize}, each dispatch timed alone (reps in one pass, device time)`,
    table(
      ['dispatch', 'ms', 'reps'],
      b.dispatches.map((d) => [`${d.text}${d.perEpoch ? ' (once per epoch)' : ''}`, ms(d.ms), String(d.reps)]),
    ),
    `${ms(total)} ms per step${step ? ` against ${ms(step.msPerStep)} ms per step in fit` : ''}`,
    ...(b.epoch ? [`a whole epoch of ${b.epoch.steps} step${b.epoch.steps === 1 ? '' : 's'} as fit records it, in one pass: ${ms(b.epoch.ms / b.epoch.steps)} ms per step on the device (${b.epoch.reps} reps)`] : []),
  ].join('\n');
}

interface Median {
  round: PairedRound;
  value: number;
  /** Every round's value, ascending. */
  values: number[];
}

/** The round whose `ratio` is the median of the rounds', with every round's value. */
function medianRound(rounds: PairedRound[], ratio: (p: PairedRound) => number): Median | undefined {
  const ranked = rounds.map((round) => ({ round, value: ratio(round) })).sort((a, b) => a.value - b.value);
  if (ranked.length === 0) return undefined;
  return { ...ranked[Math.floor(ranked.length / 2)], values: ranked.map((r) => r.value) };
}

/** The targets, from the numbers measured on this adapter. */
export function targets(r: Results): Target[] {
  const find = (library: string, batchSize: number) => r.lesson.find((l) => l.library === library && l.batchSize === batchSize);
  const best = r.matmul.reduce<MatmulResult | undefined>((a, m) => (!a || m.gflops > a.gflops ? m : a), undefined);
  const layers = r.environment.network.length - 1;
  const list: Target[] = [];
  const add = (name: string, value: number, pass: (v: number) => boolean, measured: string, required: string) =>
    list.push({ name, pass: Number.isFinite(value) ? pass(value) : undefined, measured: Number.isFinite(value) ? measured : 'not measured', required });

  for (const [batchSize, factor] of [[32, 30], [1000, 8]]) {
    const ours = find('webgpu-nn', batchSize);
    const ratio = (find('tfjs-webgpu', batchSize)?.msPerStep ?? NaN) / (ours?.msPerStep ?? NaN);
    add(`faster per step than tfjs-webgpu, batch ${batchSize}`, ratio, (v) => v >= factor, `${fixed(ratio, 1)}×`, `≥ ${factor}×`);
    // TF.js on WebGPU, or where there is none its CPU backend: float32 throughout, as ours.
    const reference = find('tfjs-webgpu', batchSize) ?? find('tfjs-cpu', batchSize);
    const difference = relative(ours?.loss ?? NaN, reference?.loss ?? NaN);
    add(`loss after the same steps equals ${reference?.library ?? 'TF.js'}'s, batch ${batchSize}`, difference, (v) => v <= TOLERANCE,
      `relative difference ${difference.toExponential(1)}`, `≤ ${TOLERANCE}`);
  }

  // The two targets against this adapter's own limits: from paired rounds where there are any (each round's
  // ratio, then their median), else from the tables above.
  const rounds: PairedRound[] = r.paired?.length
    ? r.paired
    : [{ batch32: find('webgpu-nn', 32)!, fullBatch: find('webgpu-nn', 1000)!, peak: best! }].filter((p) => p.batch32 && p.fullBatch && p.peak);
  const stepGflops = (l: LessonResult) => l.stepFlops / l.msPerStep / 1e6;
  const spread = ({ values }: Median, format: (v: number) => string) =>
    values.length > 1 ? `, median of ${values.length} paired rounds (${format(values[0])}–${format(values.at(-1)!)})` : '';

  const sweep = r.groups?.find((g) => g.members === 64 && g.batchSize === 32);
  add('a group of 64 lesson networks against 64 sequential fits, batch 32', sweep?.speedUp ?? NaN, (v) => v >= 3, `${fixed(sweep?.speedUp ?? NaN, 2)}× the throughput`, '≥ 3× (on a GPU, ≥ 30×)');

  const percent = (v: number) => `${fixed(100 * v, 0)}%`;
  const full = medianRound(rounds, (p) => stepGflops(p.fullBatch) / p.peak.gflops);
  add('full-batch step throughput against the best matmul', full?.value ?? NaN, (v) => v >= 0.6,
    full ? `${fixed(stepGflops(full.round.fullBatch), 3)} GFLOP/s = ${percent(full.value)} of ${fixed(full.round.peak.gflops, 3)} (${full.round.peak.library} ${full.round.peak.shape.join('×')})${spread(full, percent)}` : '',
    '≥ 60%');

  const model = (p: PairedRound) => p.batch32.stepFlops / p.peak.gflops / 1e6 + (p.batch32.perStep.dispatches * (r.emptyDispatch?.us ?? NaN)) / 1000;
  const small = medianRound(rounds, (p) => p.batch32.msPerStep / model(p));
  const times = (v: number) => `${fixed(v, 2)}×`;
  add('batch-32 step time against FLOPs ÷ peak + dispatches × empty dispatch', small?.value ?? NaN, (v) => v <= 1.5,
    small ? `${ms(small.round.batch32.msPerStep)} ms = ${fixed(small.value, 2)} × ${ms(model(small.round))} ms${spread(small, times)}` : '', '≤ 1.5×');

  const dispatches = Math.max(...r.lesson.filter((l) => l.library === 'webgpu-nn').map((l) => l.perStep.dispatches));
  add('dispatches per step', dispatches, (v) => v <= 3 * layers, `${fixed(dispatches)} for ${layers} layers`, `≤ ${3 * layers}`);
  return list;
}

/** The host-cost targets on the null backend: webgpu-nn's batch-32 step, all of fit included, and its full-batch epoch's fixed cost. */
export function hostTargets(r: Results): Target[] {
  const c = hostCost(r, 'webgpu-nn');
  const measured = (v: number | undefined, text: string) => (v !== undefined && Number.isFinite(v) ? text : 'not measured');
  const pass = (v: number | undefined, limit: number) => (v !== undefined && Number.isFinite(v) ? v <= limit : undefined);
  return [
    { name: 'host cost per step at batch 32, all of fit included', pass: pass(c?.batch32Us, 10), measured: measured(c?.batch32Us, `${us(c?.batch32Us ?? NaN)} µs`), required: '≤ 10 µs' },
    {
      name: "a full-batch epoch's fixed cost", pass: pass(c?.epochFixedUs, 100),
      measured: measured(c?.epochFixedUs, `${us(c?.epochFixedUs ?? NaN)} µs (the epoch ${us(c?.fullEpochUs ?? NaN)} µs less its step's ${us(c?.stepUs ?? NaN)} µs)`),
      required: '< 100 µs',
    },
  ];
}

/** What bounds webgpu-nn's time per step, in numbers. */
function bounds(r: Results): string {
  const best = r.matmul.reduce((a, m) => (m.gflops > a.gflops ? m : a), r.matmul[0]);
  if (!best) return '';
  const empty = r.emptyDispatch?.us ?? NaN;
  const gflops = (flops: number, time: number) => fixed(flops / time / 1e6, 3);
  const lines = r.breakdown.flatMap((b) => {
    const step = r.lesson.find((l) => l.library === 'webgpu-nn' && l.batchSize === b.batchSize);
    if (!step) return [];
    const pct = (v: number) => `${fixed((100 * v) / step.msPerStep, 0)}%`;
    const epochStep = step.epochMs / step.stepsPerEpoch;
    const dispatched = perStep(b, step.stepsPerEpoch);
    const top = b.dispatches.reduce((a, d) => (d.ms > a.ms ? d : a));
    const arithmetic = step.stepFlops / best.gflops / 1e6;
    const overhead = (step.perStep.dispatches * empty) / 1000;
    // The layer whose dispatches take longest, alone: with every other layer fused away at no cost, a step would
    // still take that long, for the same FLOPs and only that layer's dispatches.
    const layers = new Map<string, { ms: number; count: number }>();
    for (const d of b.dispatches.filter((d) => !d.perEpoch)) {
      const layer = /layer \d+/.exec(d.text)?.[0] ?? d.text;
      const sum = layers.get(layer) ?? { ms: 0, count: 0 };
      layers.set(layer, { ms: sum.ms + d.ms, count: sum.count + 1 });
    }
    const [layer, heaviest] = [...layers].reduce((a, e) => (e[1].ms > a[1].ms ? e : a));
    const floor = heaviest.ms / (arithmetic + (heaviest.count * empty) / 1000);
    return [
      `batch ${b.batchSize}: ${ms(step.msPerStep)} ms per step in fit, ${gflops(step.stepFlops, step.msPerStep)} GFLOP/s (${pct(arithmetic)} of the best matmul's rate)`,
      `  an epoch without fit's setup (median time between two epoch ends): ${ms(epochStep)} ms per step; the difference, fit's setup spread over a run's ${step.epochsPerRun * step.stepsPerEpoch} steps (and noise): ${ms(step.msPerStep - epochStep)} ms (${pct(step.msPerStep - epochStep)})`,
      `  the step's dispatches timed alone: ${ms(dispatched)} ms (${pct(dispatched)}); slowest: ${top.text}, ${ms(top.ms)} ms (${pct(top.ms)})`,
      ...(b.epoch ? [`  the epoch's dispatches in fit's order, on the device: ${ms(b.epoch.ms / b.epoch.steps)} ms per step (${pct(b.epoch.ms / b.epoch.steps)})`] : []),
      `  the step's FLOPs at the best matmul's rate: ${ms(arithmetic)} ms (${pct(arithmetic)}); ${fixed(step.perStep.dispatches)} empty dispatches: ${ms(overhead)} ms (${pct(overhead)})`,
      `  ${layer}'s ${heaviest.count} dispatches alone: ${ms(heaviest.ms)} ms (${pct(heaviest.ms)}): with every other layer fused away, the step would still take ${fixed(floor, 2)}× its FLOPs at the best matmul's rate plus ${heaviest.count} empty dispatches`,
    ];
  });
  const block = (inner: number) => r.matmul.find((m) => m.library === 'webgpu-nn' && m.shape.join() === `32,${inner},32`);
  const blocks = [block(32), block(1024)].filter((m) => m !== undefined);
  return [
    "Where webgpu-nn's step time goes",
    `best matmul: ${fixed(best.gflops, 3)} GFLOP/s (${best.library}, ${best.shape.join('×')}); empty dispatch: ${fixed(empty, 1)} µs`,
    ...(blocks.length ? [`one 32 × 32 output block, one workgroup of the forward kernel: ${blocks.map((m) => `${ms(m.ms)} ms at inner ${m.shape[1]} (${fixed(m.gflops, 3)} GFLOP/s)`).join(', ')}`] : []),
    ...(r.workgroupMemory.length ? [`one workgroup that fills workgroup memory: ${r.workgroupMemory.map((w) => `${w.bytes} B ${ms(w.us / 1000)} ms`).join(', ')}`] : []),
    ...lines,
  ].join('\n');
}

/** The group section: per batch size and member count, the group's epoch against the sequential fits'. */
function groupTable(groups: GroupResult[]): string {
  if (groups.length === 0) return '';
  const rows = groups.map((g) => `| ${g.members} | ${g.batchSize} | ${fixed(g.groupMsPerEpoch, 1)} | ${fixed(g.sequentialMsPerEpoch, 1)} | ${fixed(g.speedUp, 2)}× | ${g.lossDifference.toExponential(1)} |`);
  return [
    'Many models at once: N lesson networks (each its own learning rate) as one ModelGroup, against N Sequentials fitted one after another, ms per epoch of all N',
    '| members | batch | group | sequential | speed-up | loss difference |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

export function report(r: Results): string {
  const { adapter } = r.environment;
  const sections = [
    `webgpu-nn benchmark on ${r.host}${r.nullBackend ? " (Dawn's null backend)" : ''}${r.quick ? ' (--quick)' : ''}, ${r.date}, ${r.commit}`,
    `${r.runtime}; ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB; ${r.machine.os}; load average ${r.machine.load.map((l) => l.toFixed(2)).join(' → ')}`,
    `WebGPU adapter: ${[adapter.vendor, adapter.architecture, adapter.device, adapter.description].filter(Boolean).join(' ')}${adapter.fallback ? ' (fallback)' : ''}; TF.js ${r.environment.tfjs.version}, backends ${r.environment.tfjs.backends.join(', ')}`,
  ].join('\n');
  const status = (t: Target) => (t.pass === undefined ? 'n/a ' : t.pass ? 'PASS' : 'FAIL');
  return [
    sections,
    lessonTable(r.lesson, 32),
    r.lesson.some((l) => l.batchSize === 500) ? lessonTable(r.lesson, 500) : '',
    lessonTable(r.lesson, 1000),
    r.nullBackend ? hostCostSection(r) : '',
    r.matmul.length ? matmulTable(r) : '',
    r.scale.length ? scaleTable(r.scale) : '',
    fullSizeTable(r.fullSize ?? []),
    groupTable(r.groups ?? []),
    r.tuning?.length ? tuningTable(r.tuning) : '',
    ...r.breakdown.map((b) => breakdownTable(b, r.lesson.find((l) => l.library === 'webgpu-nn' && l.batchSize === b.batchSize))),
    bounds(r),
    ['Targets', ...(r.targets ?? []).map((t) => `${status(t)}  ${t.name}: ${t.measured} (${t.required})`)].join('\n'),
  ]
    .filter(Boolean)
    .join('\n\n');
}

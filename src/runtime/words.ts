// Where everything lies in a plan's words buffer (step.wgsl documents what the kernels read):
//   [order]     the dataset row of each epoch position, rows words (per member, where each has its own order)
//   [weights]   each dataset row's sample weight as f32 bits, shared or per member, where the rows carry them
//   [run]       the run's constants, run constant i of member m at i · members + m
//   [schedule]  per step: its counter, then for each member its optimizer's scalars and whether it trains
// The parts before the run's constants do not depend on how many there are, which is known only once every kernel
// has been generated: the scoring's code reads the weights at a place fixed before that.

export class WordsLayout {
  /** Where the sample weights start, and their stride per member (0 where the members share them). */
  readonly weights: number;
  readonly weightsStride: number;
  /** Where the run's constants start. */
  readonly run: number;
  /** Where the schedule starts, and its words per step. */
  readonly schedule: number;
  readonly perStep: number;
  readonly total: number;

  /**
   * `scalars`: the optimizer's per-step scalars (none outside training); `sampleWeights`: none, one set for every
   * member, or one per member.
   */
  constructor(
    readonly rows: number,
    readonly members: number,
    readonly ownOrders: boolean,
    runConstants: number,
    sampleWeights: 'none' | 'shared' | 'members',
    steps: number,
    readonly scalars: number,
  ) {
    this.weights = rows * (ownOrders ? members : 1);
    this.weightsStride = sampleWeights === 'members' ? rows : 0;
    this.run = this.weights + (sampleWeights === 'none' ? 0 : sampleWeights === 'shared' ? rows : rows * members);
    this.schedule = this.run + runConstants * members;
    this.perStep = 1 + members * this.memberScalars;
    this.total = this.schedule + steps * this.perStep;
  }

  /** Words per member per step: the scalars, then whether it trains (step.wgsl's STEP_SCALARS). */
  get memberScalars(): number {
    return this.scalars + 1;
  }

  /** The stride between the members' orders (step.wgsl's ORDER_STRIDE). */
  get orderStride(): number {
    return this.ownOrders ? this.rows : 0;
  }

  /** WGSL `fn sample_weight(source: u32) -> f32`, for the scoring. */
  sampleWeightWgsl(weighted: boolean): string {
    if (!weighted) return 'fn sample_weight(source: u32) -> f32 { return 1.0; }\n';
    const member = this.weightsStride ? `member * ${this.weightsStride}u + ` : '';
    return `fn sample_weight(source: u32) -> f32 { return bitcast<f32>(words[${this.weights}u + ${member}source]); }\n`;
  }

  /** The run's constants of every member, interleaved: `perMember[m][i]` at run + i · members + m. */
  interleave(perMember: number[][]): Uint32Array {
    const count = perMember[0].length;
    const words = new Uint32Array(count * this.members);
    perMember.forEach((constants, m) => constants.forEach((word, i) => (words[i * this.members + m] = word)));
    return words;
  }

  /**
   * The schedule of a pass whose first step follows `taken` steps: each step's counter, then each member's scalars
   * (`scalarsOf(member, step)`) and whether it trains.
   */
  scheduleWords(steps: number, taken: number, scalarsOf: (member: number, step: number) => number[], trains: (member: number) => boolean): Uint32Array {
    const words = new Uint32Array(steps * this.perStep);
    const floats = new Float32Array(words.buffer);
    for (let s = 0; s < steps; s++) {
      const at = s * this.perStep;
      words[at] = taken + s;
      for (let m = 0; m < this.members; m++) {
        const from = at + 1 + m * this.memberScalars;
        if (this.scalars > 0) floats.set(scalarsOf(m, s), from);
        words[from + this.scalars] = trains(m) ? 1 : 0;
      }
    }
    return words;
  }
}

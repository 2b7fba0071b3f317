// The Node benchmark as one file that needs only Node and the `webgpu` package (found through NODE_PATH or a
// node_modules folder above it): TF.js with its webgpu and cpu backends, the library and its WGSL, and the digits
// are inside. `npm run bench:bundle` writes it to bench/tmp/bench-bundle.mjs.
//   node bench-bundle.mjs [--node] [--quick] [--null] [--out results.json]
// It prints the tables and adds its results to <adapter>.json beside itself (or to --out), as run.ts does to
// bench/results/<adapter>.json.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import digitsUrl from '../demo/data/binary-train.u8?url&inline';
import { type Call, type Options, benchmark, modeName, resultsFileName, saveResults } from './driver';
import { openNode } from './node';

const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const out = outAt >= 0 ? args[outAt + 1] : undefined;
if (outAt >= 0 && (out === undefined || out.startsWith('--'))) throw new Error('--out: expected a file name after it');
const flags = args.filter((_, i) => i !== outAt && i !== outAt + 1);
const unknown = flags.filter((f) => !['--quick', '--node', '--null'].includes(f));
if (unknown.length > 0) throw new Error(`unknown flags ${unknown.join(' ')}: expected --quick, --node, --null, --out <file>`);

const started = performance.now();
// The commit the bundle was built from, set by bench/bundle.config.ts.
const options: Options = { host: 'node', quick: flags.includes('--quick'), nullBackend: flags.includes('--null'), commit: `${import.meta.env.BENCH_COMMIT} (bundle)` };
const digits = Buffer.from(digitsUrl.slice(digitsUrl.indexOf(',') + 1), 'base64');
const { suite, runtime } = await openNode({ digits, nullBackend: options.nullBackend });
const call = ((name: keyof typeof suite, ...a: unknown[]) => (suite[name] as (...b: unknown[]) => Promise<unknown>)(...a)) as Call;
const results = await benchmark({ call, runtime }, options);
const file = out ? resolve(out) : join(dirname(fileURLToPath(import.meta.url)), resultsFileName(results.environment));
saveResults(file, options, results);
console.log(`saved to ${file} under "${modeName(options)}" (${((performance.now() - started) / 60_000).toFixed(1)} min)`);
process.exit(0);

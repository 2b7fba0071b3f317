// The webgpu-nn command line. `main` parses the arguments, runs the command and resolves to the exit code once
// all device work is done (bin/webgpu-nn.js then exits: Dawn would keep Node running).
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { train } from './train';

const integer = (min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer ≥ ${min}`);
  return n;
};

const positiveNumber = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
};

const unitList = (value: string) => {
  const units = value.split(',').map(Number);
  if (!units.every((n) => Number.isInteger(n) && n > 0)) throw new InvalidArgumentError('expected positive integers separated by commas, like 25,15,1');
  return units;
};

function program(): Command {
  const cli = new Command('webgpu-nn').description('Dense neural networks trained on WebGPU, in Node through Dawn').exitOverride();
  cli
    .command('train')
    .description('train a Sequential of Dense layers on a data file; save it as TF.js model files with --out')
    .requiredOption('--data <file>', 'CSV of numbers with the label last (a header line is skipped), or a digit file (.u8)')
    .requiredOption('--layers <units>', 'units of each Dense layer, the last the output, e.g. 25,15,1', unitList)
    .option('--epochs <n>', 'passes over the data', integer(1), 10)
    .option('--batch-size <n>', 'rows per gradient-descent step', integer(1), 32)
    .option('--learning-rate <rate>', 'gradient descent (SGD) learning rate', positiveNumber, 0.01)
    .option('--activation <name>', 'activation of the hidden layers: sigmoid, relu, tanh, linear', 'sigmoid')
    .option('--output-activation <name>', 'activation of the last layer', 'sigmoid')
    .addOption(new Option('--loss <name>', 'the loss to minimise').choices(['binaryCrossentropy', 'meanSquaredError']).default('binaryCrossentropy'))
    .addOption(new Option('--backend <name>', 'where to train: auto is WebGPU where an adapter exists').choices(['auto', 'webgpu', 'cpu']).default('auto'))
    .option('--seed <n>', 'seed of the initial weights and the shuffling', integer(0))
    .option('--out <dir>', 'directory to write model.json and model.weights.bin to')
    .action(train);
  return cli;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode; // commander printed the message or the help
    console.error(`webgpu-nn: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

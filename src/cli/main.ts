// The webgpu-nn command line. `main` parses the arguments, runs the command and resolves to the exit code once
// all device work is done (bin/webgpu-nn.js then exits: Dawn would keep Node running).
import { Command, CommanderError, Option } from 'commander';
import { fraction, integer, nameList, positiveNumber } from './arguments';
import { LAYER_SYNTAX, layerList } from './layers';
import { predict } from './predict';
import { type TrainOptions, optimizers, train } from './train';

const LOSSES = ['binaryCrossentropy', 'meanSquaredError', 'categoricalCrossentropy', 'sparseCategoricalCrossentropy'];

const TRAIN_HELP = `
Layers (--layers, comma-separated; the first takes the data's features):
  UNITS, dense:UNITS[:ACTIVATION]   a Dense layer; without an activation it takes --activation, or
                                    --output-activation where it is the last layer
  dropout:RATE                      Dropout: the fraction of units dropped in training
  batchnorm[:MOMENTUM]              BatchNormalization (momentum of the moving statistics, default 0.99)
  activation:NAME                   an Activation layer: sigmoid, relu, tanh, linear, softmax (last only)

Labels: one output unit under binaryCrossentropy or meanSquaredError takes the labels as they are; otherwise the
labels are class indices in [0, units): sparseCategoricalCrossentropy reads them as they are, the other losses
one-hot encoded.

Examples:
  webgpu-nn train --data demo/data/binary-train.u8 --layers 25,15,1 --learning-rate 0.5 --out model/
  webgpu-nn train --data demo/data/ten-train.u8 --layers 512,dropout:0.2,512,dropout:0.2,10 --activation relu \\
    --output-activation softmax --optimizer adam --out digits/
  webgpu-nn train --data data.csv --layers dense:64:linear,batchnorm,activation:relu,1 --loss meanSquaredError \\
    --output-activation linear --validation-split 0.2
  webgpu-nn train --data demo/data/ten-train.u8 --from digits/ --optimizer adam --epochs 5 --out digits/
`;

function program(): Command {
  const cli = new Command('webgpu-nn').description('Neural networks trained on WebGPU, in Node through Dawn').exitOverride();
  const backend = () => new Option('--backend <name>', 'where to run: auto is WebGPU where an adapter exists').choices(['auto', 'webgpu', 'cpu']).default('auto');
  cli
    .command('train')
    .description('train a Sequential model on a data file (a new one from --layers, or a saved one --from a directory); save it as TF.js model files with --out')
    .requiredOption('--data <file>', 'CSV of numbers with the label last (a header line is skipped), or a digit file (.u8)')
    .option('--layers <spec>', `the layers, comma-separated: ${LAYER_SYNTAX}, e.g. 25,15,1 (below)`, layerList)
    .addOption(
      new Option('--from <dir>', 'continue training the model in this directory (model.json and its weights, as --out writes them) instead of new --layers').conflicts([
        'layers',
        'activation',
        'outputActivation',
      ]),
    )
    .option('--epochs <n>', 'passes over the data', integer(1), 10)
    .option('--batch-size <n>', 'rows per gradient-descent step', integer(1), 32)
    .addOption(new Option('--optimizer <name>', 'the update rule').choices(Object.keys(optimizers)).default('sgd'))
    .option('--learning-rate <rate>', "the optimizer's learning rate (default: the optimizer's, Keras's: 0.01 for sgd, 0.001 for the others)", positiveNumber)
    .option('--activation <name>', 'activation of the Dense layers that name none: sigmoid, relu, tanh, linear', 'sigmoid')
    .option('--output-activation <name>', 'activation of the last layer, where it is Dense and names none; softmax for classes', 'sigmoid')
    .addOption(new Option('--loss <name>', 'the loss to minimise (default: sparseCategoricalCrossentropy after a softmax, else binaryCrossentropy)').choices(LOSSES))
    .option('--metrics <names>', "metrics to report, comma-separated, as compile's metrics (default: accuracy for sigmoid and softmax outputs; '' for none)", nameList)
    .option('--validation-split <fraction>', 'the fraction of rows held out and scored after each epoch: the last rows, before shuffling, as in Keras (the rows should be in random order)', fraction, 0)
    .addOption(backend())
    .option('--seed <n>', 'seed of the initial weights, dropout and the shuffling', integer(0))
    .option('--out <dir>', 'directory to write model.json and model.weights.bin to')
    .addHelpText('after', TRAIN_HELP)
    .action((options: TrainOptions, command: Command) => {
      if ((options.layers === undefined) === (options.from === undefined)) command.error("error: expected one of '--layers <spec>' (a new model) or '--from <dir>' (a saved one)");
      return train(options);
    });
  cli
    .command('predict')
    .description("print a saved model's outputs for each row of a data file as CSV: a line per row, a column per output unit, and after a softmax the predicted class (the largest output's index) last")
    .requiredOption('--model <dir>', 'the model directory (model.json and its weights, as train --out writes them), or a model.json')
    .requiredOption('--data <file>', "CSV of the model's inputs (a header line is skipped; one more column, a label, is ignored), or a digit file (.u8)")
    .addOption(backend())
    .action(predict);
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

// The --layers flag: the network as a comma-separated list of layers. A number is a Dense layer of that many units;
// `kind:option` names each layer kind the library has and its main option:
//   dense:UNITS[:ACTIVATION]   Dense({ units, activation })
//   dropout:RATE               Dropout({ rate })
//   batchnorm[:MOMENTUM]       BatchNormalization({ momentum })
//   activation:NAME            Activation({ activation })
// The parser checks the syntax; the layer classes check the values when the network is built.
import { InvalidArgumentError } from 'commander';
import { Activation, type ActivationName, BatchNormalization, Dense, Dropout, type Layer, WebGPUNNError } from 'webgpu-nn';

export type LayerItem = { text: string } & (
  | { kind: 'dense'; units: number; activation?: string }
  | { kind: 'dropout'; rate: number }
  | { kind: 'batchnorm'; momentum?: number }
  | { kind: 'activation'; activation: string }
);

export const LAYER_SYNTAX = 'UNITS, dense:UNITS[:ACTIVATION], dropout:RATE, batchnorm[:MOMENTUM] or activation:NAME';

const units = (text: string) => (/^[1-9]\d*$/.test(text) ? Number(text) : undefined);
const number = (text: string) => (text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : undefined);

function parseItem(text: string): LayerItem | undefined {
  const [kind, ...options] = text.trim().split(':');
  const dense = units(kind);
  if (dense !== undefined && options.length === 0) return { text, kind: 'dense', units: dense };
  if (kind === 'dense' && (options.length === 1 || options.length === 2)) {
    const n = units(options[0]);
    return n === undefined ? undefined : { text, kind: 'dense', units: n, activation: options[1] };
  }
  if (kind === 'dropout' && options.length === 1) {
    const rate = number(options[0]);
    return rate === undefined ? undefined : { text, kind: 'dropout', rate };
  }
  if (kind === 'batchnorm' && options.length <= 1) {
    const momentum = options.length === 0 ? undefined : number(options[0]);
    return options.length === 1 && momentum === undefined ? undefined : { text, kind: 'batchnorm', momentum };
  }
  if (kind === 'activation' && options.length === 1 && options[0] !== '') return { text, kind: 'activation', activation: options[0] };
  return undefined;
}

/** Commander's parser of --layers. */
export function layerList(value: string): LayerItem[] {
  return value.split(',').map((text, i) => {
    const item = parseItem(text);
    if (!item) throw new InvalidArgumentError(`layer ${i + 1} '${text}': expected ${LAYER_SYNTAX}`);
    return item;
  });
}

/**
 * The layers of the list, the first taking `inputDim` inputs. Dense layers without an activation take `activation`,
 * or `outputActivation` where the Dense layer is the last layer. A value a layer rejects names its item.
 */
export function buildLayers(items: LayerItem[], inputDim: number, activations: { activation: string; outputActivation: string }): Layer[] {
  return items.map((item, i) => {
    const first = i === 0 ? { inputDim } : {};
    try {
      switch (item.kind) {
        case 'dense': {
          const activation = item.activation ?? (i === items.length - 1 ? activations.outputActivation : activations.activation);
          return new Dense({ units: item.units, activation: activation as ActivationName, ...first });
        }
        case 'dropout':
          return new Dropout({ rate: item.rate });
        case 'batchnorm':
          return new BatchNormalization({ momentum: item.momentum, ...first });
        case 'activation':
          return new Activation({ activation: item.activation as ActivationName });
      }
    } catch (error) {
      if (error instanceof WebGPUNNError) throw new WebGPUNNError(error.code, `--layers ${item.text}: ${error.message}`);
      throw error;
    }
  });
}

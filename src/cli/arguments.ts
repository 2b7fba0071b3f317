// Parsers of the command line's option values: each returns the value or throws commander's InvalidArgumentError,
// which commander prints after the option and the value it rejected.
import { InvalidArgumentError } from 'commander';

export const integer = (min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer ≥ ${min}`);
  return n;
};

export const positiveNumber = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
};

export const fraction = (value: string) => {
  const n = value.trim() === '' ? NaN : Number(value);
  if (!(n >= 0 && n < 1)) throw new InvalidArgumentError('expected a fraction in [0, 1)');
  return n;
};

/** Names separated by commas; '' is none. */
export const nameList = (value: string) =>
  value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');

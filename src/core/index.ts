export * from './errors.ts';
export * from './money.ts';
export * from './result.ts';
export * from './rng.ts';
export * from './state-codec.ts';
export * from './tier-machine.ts';
export * from './time.ts';

export * from './account.ts';
export * from './decisions.ts';
export * from './events.ts';
export * from './instrument.ts';
export * from './position.ts';
export * from './rejection.ts';

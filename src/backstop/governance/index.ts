export * from './config.ts';
export * from './governance.ts';
export * from './proposals.ts';
export * from './records.ts';
export * from './staking.ts';

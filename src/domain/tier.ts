/** Stress tiers, lowest first (own module so events and decisions can both name them). */
export type Tier = 'normal' | 'watch' | 'stressed' | 'crisis';
export const TIERS: readonly Tier[] = ['normal', 'watch', 'stressed', 'crisis'];

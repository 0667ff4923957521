import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/**
 * Seeded, reproducible randomness (xoroshiro128+ from pure-rand). The only source of
 * randomness the engine may use: same seed, same sequence, on every machine.
 */
export class SeededRng {
  private readonly gen;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
    this.gen = xoroshiro128plus(seed);
  }

  /**
   * An independent stream of the same seed: the generator jumped `jumps` times (2⁶⁴ steps each),
   * so draws from it never overlap those of `new SeededRng(seed)` and adding draws to one stream
   * leaves the other unchanged. `stream(seed, 0)` is `new SeededRng(seed)`.
   */
  static stream(seed: number, jumps: number): SeededRng {
    if (!Number.isSafeInteger(jumps) || jumps < 0)
      throw new RangeError(`jumps must be an integer ≥ 0, got ${jumps}`);
    const rng = new SeededRng(seed);
    for (let k = 0; k < jumps; k++) rng.gen.jump();
    return rng;
  }

  /** Uniform in [0, 1). */
  nextFloat(): number {
    return uniformFloat64(this.gen);
  }

  /** Uniform integer in [min, max], both inclusive. */
  nextInt(min: number, max: number): number {
    return uniformInt(this.gen, min, max);
  }

  /** Standard normal by the Marsaglia polar method. */
  nextNormal(): number {
    if (this.spareNormal !== null) {
      const s = this.spareNormal;
      this.spareNormal = null;
      return s;
    }
    for (;;) {
      const u = 2 * this.nextFloat() - 1;
      const v = 2 * this.nextFloat() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const k = Math.sqrt((-2 * Math.log(s)) / s);
        this.spareNormal = v * k;
        return u * k;
      }
    }
  }
}

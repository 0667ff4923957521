// Public API of the pricing layer (Black-76 linear and inverse, BSM with carry, implied vol,
// SVI and the vol surface). `OptionRight` is the domain's (src/domain/instrument.ts).
export {
  type Black76Input,
  black76,
  black76Inverse,
  black76Price,
  type Greeks,
  type InverseGreeks,
} from './black76.ts';
export { type BsmGreeks, type BsmInput, bsm } from './bsm.ts';
export {
  IMPLIED_VOL_MAX,
  IMPLIED_VOL_MAX_ITERATIONS,
  IMPLIED_VOL_MIN,
  type ImpliedVolFailure,
  type ImpliedVolInput,
  type ImpliedVolReason,
  type ImpliedVolSolution,
  impliedVol,
} from './implied-vol.ts';
export { normCdf, normPdf } from './normal.ts';
export {
  type SviParamError,
  type SviParams,
  sviImpliedVol,
  sviMinimumVariance,
  sviTotalVariance,
  validateSvi,
} from './svi.ts';
export { strikePointsSlice, type VolSliceInput, VolSurface, type VolSurfaceError } from './vol-surface.ts';

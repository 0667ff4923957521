import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * vega-lite spec → SVG text, without a DOM: `vl.compile` → `vega.View` with the headless
 * renderer → `toSVG()`. Text widths come from vega's estimate (no canvas), so layout does not
 * depend on installed fonts.
 *
 * vega numbers clip paths from a process-wide counter; the ids are renumbered in order of
 * appearance under `idPrefix`, so the same spec always gives the same text and several charts
 * can sit in one HTML page without id clashes.
 */
export async function specToSvg(spec: TopLevelSpec, idPrefix: string): Promise<string> {
  const compiled = compileSpec(spec).vega;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Error });
  try {
    return normaliseSvg(await view.toSVG(), idPrefix);
  } finally {
    view.finalize();
  }
}

type CompileOptions = NonNullable<Parameters<typeof compile>[1]>;
type Logger = NonNullable<CompileOptions['logger']>;

/** vega-lite → vega, with vega-lite's warnings collected instead of printed. */
export function compileSpec(spec: TopLevelSpec): {
  vega: ReturnType<typeof compile>['spec'];
  warnings: string[];
} {
  const warnings: string[] = [];
  let level = 0;
  const logger: Logger = {
    level(l?: number) {
      if (l === undefined) return level;
      level = l;
      return logger;
    },
    error(...args: unknown[]) {
      warnings.push(`error: ${args.map(String).join(' ')}`);
      return this;
    },
    warn(...args: unknown[]) {
      warnings.push(args.map(String).join(' '));
      return this;
    },
    info() {
      return this;
    },
    debug() {
      return this;
    },
  };
  return { vega: compile(spec, { logger }).spec, warnings };
}

/** Renumbers ids (and their `url(#…)` / `href="#…"` references); drops an unused xlink namespace. */
export function normaliseSvg(svg: string, idPrefix: string): string {
  const ids = new Map<string, string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) {
    if (!ids.has(m[1]!)) ids.set(m[1]!, `${idPrefix}-${ids.size + 1}`);
  }
  let out = svg
    .replace(/(\sid=")([^"]+)"/g, (all, pre: string, id: string) =>
      ids.has(id) ? `${pre}${ids.get(id)}"` : all,
    )
    .replace(/url\(#([^)]+)\)/g, (all, id: string) => (ids.has(id) ? `url(#${ids.get(id)})` : all))
    .replace(/(href=")#([^"]+)"/g, (all, pre: string, id: string) =>
      ids.has(id) ? `${pre}#${ids.get(id)}"` : all,
    );
  if (!out.includes('xlink:')) out = out.replace(' xmlns:xlink="http://www.w3.org/1999/xlink"', '');
  return out;
}

/** SVG → PNG at its own pixel size, white background, system fonts (DejaVu Sans by default). */
export function svgToPng(svg: string): Buffer {
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'original' },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
    logLevel: 'off',
  });
  return resvg.render().asPng();
}

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import type { Figure } from './figures.js';
import type { RunRecord } from './run-record.js';

/** One bar: how kf compares with one peer (or kf figure) on one measure. */
interface Bar {
  row: string;
  scenario: string;
  /** Above 1: kf is better by that factor (kf / peer, or peer / kf where lower is better). */
  advantage: number;
  text: string;
}

const ratioText = (n: number) => `${n >= 10 ? n.toFixed(0) : n.toFixed(2)}×`;

/** Every figure that has a comparand, as bars; a comparand with no figure is left out. */
export function chartBars(figures: Figure[]): Bar[] {
  const bars: Bar[] = [];
  for (const f of figures) {
    if (f.context) continue;
    // Continuation rows name only their scenario's id (`P1`); the id leads every name.
    const scenario = f.scenario.split(' ')[0] ?? f.scenario;
    for (const p of f.peers) {
      const advantage = f.better === 'lower' ? p.value / f.kf : f.kf / p.value;
      if (!Number.isFinite(advantage) || advantage <= 0) continue;
      const row = `${scenario} ${f.measure} — vs ${p.label ?? p.peer}`;
      // Two measures of one name (P1's msgs/s and MiB/s) would share a row: the unit parts them.
      const taken = bars.some((b) => b.row === row);
      bars.push({
        row: taken ? `${scenario} ${f.measure}, ${f.unit} — vs ${p.label ?? p.peer}` : row,
        scenario,
        advantage,
        text: ratioText(advantage),
      });
    }
  }
  return bars;
}

/** The Vega-Lite spec of the run's chart: kf against each comparand, on a log scale. */
export function chartSpec(record: RunRecord): TopLevelSpec {
  const bars = chartBars(record.figures);
  const run = [
    `run of ${record.date.slice(0, 10)}`,
    record.commit ? `commit ${record.commit}` : undefined,
    record.quick ? '--quick (small counts, one round: a look, not figures to keep)' : undefined,
  ].filter(Boolean);
  const x = {
    field: 'advantage',
    type: 'quantitative',
    scale: { type: 'log' },
    axis: { title: 'kf better by (× , log scale); left of 1: the comparand is better' },
  } as const;
  const y = {
    field: 'row',
    type: 'nominal',
    sort: null,
    axis: { title: null, labelLimit: 800 },
  } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      anchor: 'start',
      text: 'kf against peers and baselines measured in the same run',
      subtitle: [
        run.join(', '),
        'rates: kf / peer; times, memory and costs: peer / kf. P7 sets 1000 partitions against 4, P8 N processes against N × 1, all kf',
      ],
    },
    data: { values: bars },
    width: 520,
    height: { step: 16 },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          x,
          x2: { datum: 1 },
          y,
          color: { field: 'scenario', type: 'nominal', legend: { title: 'scenario' } },
        },
      },
      {
        // Each ratio at its bar's far end: right of bars that reach right, left of the others.
        mark: {
          type: 'text',
          align: { expr: "datum.advantage < 1 ? 'right' : 'left'" },
          dx: { expr: 'datum.advantage < 1 ? -4 : 4' },
        },
        encoding: { x, y, text: { field: 'text' } },
      },
      { mark: { type: 'rule', color: 'black' }, encoding: { x: { datum: 1 } } },
    ],
  };
}

/** The chart as SVG, rendered headless (no canvas: Vega estimates text widths). */
export async function renderChart(record: RunRecord): Promise<string> {
  // Loaded only when a chart is drawn: the benchmark itself does not need them.
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const { spec } = vegaLite.compile(chartSpec(record));
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export async function writeChart(path: string, record: RunRecord): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, await renderChart(record));
}

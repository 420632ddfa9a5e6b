import type { BarChartModel } from "./charts";
import { DataTable } from "./page-ui";

/**
 * An inline SVG bar chart (no script, no inline styles: the CSP forbids them — colours come from
 * app.css classes) with <title>/<desc> for screen readers and the same numbers as a table.
 */
export function BarChart({ model }: { model: BarChartModel }) {
  const { id, plot } = model;
  const baseline = plot.y + plot.height;
  return (
    <figure className="chart" aria-labelledby={`${id}-caption`}>
      <figcaption id={`${id}-caption`}>{model.title}</figcaption>
      <svg
        className="chart-svg"
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
        viewBox={`0 0 ${model.width} ${model.height}`}
        width={model.width}
        height={model.height}
        xmlns="http://www.w3.org/2000/svg"
      >
        <title id={`${id}-title`}>{model.title}</title>
        <desc id={`${id}-desc`}>{model.description}</desc>
        <g className="chart-gridlines" aria-hidden="true">
          {model.yTicks.map((tick) => (
            <g key={tick.value}>
              <line x1={plot.x} x2={plot.x + plot.width} y1={tick.y} y2={tick.y} />
              <text x={plot.x - 6} y={tick.y + 4} textAnchor="end" fontSize="12">
                {tick.text}
              </text>
            </g>
          ))}
        </g>
        <g aria-hidden="true">
          {model.bars.map((bar) => (
            <rect
              key={bar.label}
              className={`chart-bar tone-${bar.tone}`}
              x={bar.x}
              y={bar.y}
              width={bar.width}
              height={bar.height}
            >
              <title>{`${bar.label}: ${bar.valueText}`}</title>
            </rect>
          ))}
        </g>
        <line
          className="chart-axis"
          x1={plot.x}
          x2={plot.x + plot.width}
          y1={baseline}
          y2={baseline}
        />
        <g className="chart-labels" aria-hidden="true">
          {model.xLabels.map((label) => (
            <text key={label.text} x={label.x} y={label.y} textAnchor="middle" fontSize="12">
              {label.text}
            </text>
          ))}
        </g>
        {model.empty ? (
          <text
            x={plot.x + plot.width / 2}
            y={plot.y + plot.height / 2}
            textAnchor="middle"
            fontSize="13"
            aria-hidden="true"
          >
            No data yet
          </text>
        ) : null}
      </svg>
      <details className="chart-data">
        <summary>Show the data as a table</summary>
        <DataTable
          caption={model.title}
          captionVisible
          columns={[model.columns[0], model.columns[1]]}
          wrapper={false}
        >
          {model.rows.map((row) => (
            <tr key={row.label}>
              <th scope="row">{row.label}</th>
              <td>{row.valueText}</td>
            </tr>
          ))}
        </DataTable>
      </details>
    </figure>
  );
}

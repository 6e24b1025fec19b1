import type { AdminThroughput } from '../../generated/api-schema.ts';

const OUTCOMES = ['sent', 'failed', 'unknown', 'suppressed'] as const;
const BAR = 10;
const HEIGHT = 120;

/**
 * Stacked bars, one per minute, drawn as SVG attributes (the page's CSP allows no inline
 * styles); colours come from the stylesheet. A table of the same numbers follows for screen
 * readers.
 */
export function ThroughputChart({ minutes }: { minutes: AdminThroughput['minutes'] }) {
  const peak = Math.max(1, ...minutes.map((m) => OUTCOMES.reduce((sum, o) => sum + m[o], 0)));
  const busy = minutes.filter((m) => OUTCOMES.some((o) => m[o] > 0));
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${minutes.length * BAR} ${HEIGHT}`}
        role="img"
        aria-label={`Peak ${peak} messages in a minute`}
        preserveAspectRatio="none"
      >
        {minutes.map((m, i) => {
          let y = HEIGHT;
          return OUTCOMES.map((o) => {
            const h = (m[o] / peak) * (HEIGHT - 4);
            y -= h;
            return h > 0 ? (
              <rect
                key={`${i}-${o}`}
                class={`bar-${o}`}
                x={i * BAR + 1}
                y={y}
                width={BAR - 2}
                height={h}
              />
            ) : null;
          });
        })}
      </svg>
      <figcaption>
        {OUTCOMES.map((o) => (
          <span class={`legend legend-${o}`} key={o}>
            {o}: {minutes.reduce((sum, m) => sum + m[o], 0)}
          </span>
        ))}
      </figcaption>
      <div class="visually-hidden">
        <table>
          <caption>Messages per minute with any activity</caption>
          <thead>
            <tr>
              <th scope="col">Minute</th>
              {OUTCOMES.map((o) => (
                <th scope="col" key={o}>
                  {o}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {busy.map((m) => (
              <tr key={m.minute}>
                <td>{new Date(m.minute).toLocaleTimeString()}</td>
                {OUTCOMES.map((o) => (
                  <td key={o}>{m[o]}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}

import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

export interface SeriesPoint {
  start: string;
  [series: string]: number | string | null;
}

const hourFormat = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
});
const tick = (iso: string) => hourFormat.format(new Date(iso));

/** One line per series over time buckets, labelled in the viewer's local time. */
export function TimeChart({
  title,
  data,
  series,
  unit,
}: {
  title: string;
  data: SeriesPoint[];
  series: { key: string; label: string; color: string }[];
  unit?: string;
}) {
  return (
    <figure className="card" aria-label={title}>
      <figcaption>
        <strong>{title}</strong>
      </figcaption>
      {data.length === 0 ? (
        <p className="muted">Nothing in this time range.</p>
      ) : (
        <div className="chart">
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="start" tickFormatter={tick} minTickGap={32} fontSize={12} />
              <YAxis fontSize={12} unit={unit} allowDecimals={unit === '%'} width={48} />
              <Tooltip labelFormatter={(label) => tick(String(label))} />
              {series.map((s) => (
                <Line
                  key={s.key}
                  type="monotone"
                  dataKey={s.key}
                  name={s.label}
                  stroke={s.color}
                  // A lone value (one bucket with calls) has no line to draw: show it as a dot.
                  dot={data.filter((d) => d[s.key] !== null && d[s.key] !== undefined).length < 3}
                  isAnimationActive={false}
                  connectNulls
                />
              ))}
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
    </figure>
  );
}

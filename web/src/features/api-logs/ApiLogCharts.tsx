import { analytics } from '../../api/endpoints.js';
import { ErrorState, Loading } from '../../components/States.js';
import { TimeChart, type SeriesPoint } from '../../components/TimeChart.js';
import { useApi } from '../../components/useApi.js';
import { bucketFor, chartQuery } from './api-log-filters.js';

/** The response-time histograms know endpoints only: say what the p95 chart covers when it differs. */
function latencyScope(chart: Record<string, string>): string {
  const narrowed = Boolean(chart.status || chart.status_class || chart.error_code);
  if (chart.endpoint) return narrowed ? ` (${chart.endpoint}, every status)` : ` (${chart.endpoint})`;
  return narrowed ? ' (every status)' : '';
}

const ms = (value: number | null) => (value === null ? '—' : `${Math.round(value * 10) / 10} ms`);

/**
 * Calls and failures per bucket, the error rate they give, p95 response time per bucket, and response
 * times per endpoint.
 */
export function ApiLogCharts({ query }: { query: Record<string, string> }) {
  const chart = chartQuery(query);
  const bucket = bucketFor(query);
  const key = JSON.stringify({ chart, bucket });
  const window = { from: chart.from, to: chart.to };
  const series = useApi(async (signal) => {
    const { error_code, ...callFilters } = chart;
    const [calls, failures, endpoints, latency] = await Promise.all([
      analytics.timeseries(
        'api-calls',
        error_code ? { ...chart, bucket } : { ...callFilters, bucket },
        signal,
      ),
      analytics.timeseries('failed-api-calls', { ...chart, bucket }, signal),
      analytics.endpoints('api-calls', window, signal),
      // Response times of the calls the other filters do not narrow: the histograms know only endpoints.
      analytics.latency('api-calls', { ...window, endpoint: chart.endpoint, bucket }, signal),
    ]);
    const failed = new Map(failures.data.map((b) => [b.start, b.count]));
    const p95 = new Map(latency.data.map((b) => [b.start, b.p95_ms]));
    const points: SeriesPoint[] = calls.data.map((b) => {
      const f = failed.get(b.start) ?? 0;
      return {
        start: b.start,
        calls: b.count,
        failures: f,
        error_rate: b.count > 0 ? Math.round((f / b.count) * 1000) / 10 : null,
        p95_ms: p95.get(b.start) ?? null,
      };
    });
    return { points, endpoints: endpoints.data };
  }, key);

  if (series.state === 'loading') return <Loading what="Loading charts" />;
  if (series.state === 'error') return <ErrorState error={series.error} onRetry={series.reload} />;
  const { points, endpoints } = series.data;
  const slowest = [...endpoints].sort((a, b) => (b.p95_ms ?? 0) - (a.p95_ms ?? 0)).slice(0, 8);
  return (
    <>
      <div className="grid-2">
        <TimeChart
          title={`Calls per ${bucket}`}
          data={points}
          series={[
            { key: 'calls', label: 'Calls', color: '#1f5fbf' },
            { key: 'failures', label: 'Failures', color: '#b42318' },
          ]}
        />
        <TimeChart
          title={`Error rate per ${bucket}`}
          data={points}
          unit="%"
          series={[{ key: 'error_rate', label: 'Error rate', color: '#b42318' }]}
        />
        <TimeChart
          title={`p95 response time per ${bucket}${latencyScope(chart)}`}
          data={points}
          unit=" ms"
          series={[{ key: 'p95_ms', label: 'p95', color: '#6941c6' }]}
        />
      </div>
      <div className="card">
        <h2>Response time by endpoint (p95)</h2>
        {slowest.length === 0 ? (
          <p className="muted">No calls in this time range.</p>
        ) : (
          <table aria-label="Response time by endpoint">
            <thead>
              <tr>
                <th scope="col">Endpoint</th>
                <th scope="col">Calls</th>
                <th scope="col">Success rate</th>
                <th scope="col">p50</th>
                <th scope="col">p95</th>
                <th scope="col">p99</th>
              </tr>
            </thead>
            <tbody>
              {slowest.map((e) => (
                <tr key={e.endpoint ?? '(none)'}>
                  <td>
                    <code>{e.endpoint ?? '(no route)'}</code>
                  </td>
                  <td>{e.calls}</td>
                  <td>{e.success_rate === null ? '—' : `${Math.round(e.success_rate * 1000) / 10} %`}</td>
                  <td>{ms(e.p50_ms)}</td>
                  <td>{ms(e.p95_ms)}</td>
                  <td>{ms(e.p99_ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </>
  );
}

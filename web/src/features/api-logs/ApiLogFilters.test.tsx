// @vitest-environment jsdom
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { recordRequests, renderAt, type RecordedRequest } from '../../test/render.js';
import { ApiLogsPage } from './ApiLogsPage.js';

let requests: RecordedRequest[];
const window = { from: '2026-12-01T00:00:00.000Z', to: '2026-12-02T00:00:00.000Z' };

beforeEach(() => {
  const recorder = recordRequests((path) => {
    if (path.endsWith('/timeseries')) return { ...window, bucket: 'hour', data: [] };
    if (path.endsWith('/top'))
      return { ...window, by: 'error_code', approximate: false, max_error: 0, data: [] };
    if (path.endsWith('/endpoints')) return { ...window, data: [] };
    if (path.endsWith('/latency')) return { ...window, bucket: 'hour', data: [] };
    return { data: [], next_cursor: null };
  });
  requests = recorder.requests;
  vi.stubGlobal('fetch', recorder.fetch);
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const last = (path: string) => requests.filter((r) => r.path === path).at(-1)?.query;

describe('the API Logs filters', () => {
  it('send endpoint, status, customer and licence key to the failed-call log exactly as typed', async () => {
    const user = userEvent.setup();
    renderAt('/failures', '/failures', <ApiLogsPage view="failures" />);
    await waitFor(() => expect(last('/api/v1/logs/failed-api-calls')).toEqual({ limit: '50' }));

    await user.type(screen.getByLabelText('Endpoint'), '/api/v1/licenses/activate');
    await user.type(screen.getByLabelText('Status'), '4xx');
    await user.type(screen.getByLabelText('Customer id'), 'cus_01jb6ex3m9qk2v8y4t7r5w0zna');
    await user.type(screen.getByLabelText('Licence key'), 'ABCD-EFGH-JKMN-PQRS');
    await user.type(screen.getByLabelText('Error code'), 'ERR_LICENSE_EXPIRED');
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));

    await waitFor(() =>
      expect(last('/api/v1/logs/failed-api-calls')).toEqual({
        endpoint: '/api/v1/licenses/activate',
        status: '4xx',
        error_code: 'ERR_LICENSE_EXPIRED',
        customer_id: 'cus_01jb6ex3m9qk2v8y4t7r5w0zna',
        license_key: 'ABCD-EFGH-JKMN-PQRS',
        limit: '50',
      }),
    );
    // The charts get only what the analytics API takes: a status class, never the licence key.
    await waitFor(() =>
      expect(last('/api/v1/logs/failed-api-calls/analytics/timeseries')).toEqual({
        endpoint: '/api/v1/licenses/activate',
        error_code: 'ERR_LICENSE_EXPIRED',
        status_class: '4xx',
        bucket: 'hour',
      }),
    );
    // The p95 chart: response-time histograms are kept per endpoint only.
    await waitFor(() =>
      expect(last('/api/v1/logs/api-calls/analytics/latency')).toEqual({
        endpoint: '/api/v1/licenses/activate',
        bucket: 'hour',
      }),
    );
    expect(screen.getByRole('figure', { name: /p95 response time per hour/ })).toBeTruthy();
    expect(requests.some((r) => JSON.stringify(r.query).includes('ABCD-EFGH'))).toBe(true);
    expect(
      requests
        .filter((r) => r.path.includes('/analytics/'))
        .some((r) => JSON.stringify(r.query).includes('ABCD-EFGH')),
    ).toBe(false);
  });

  it('keep a single status code as `status` for the charts too, and survive a reload', async () => {
    // A month back: the charts count by day.
    const from = new Date(Date.now() - 30 * 24 * 3600_000).toISOString();
    renderAt('/calls', `/calls?status=404&from=${encodeURIComponent(from)}`, <ApiLogsPage view="all" />);
    await waitFor(() => expect(last('/api/v1/logs/api-calls')).toEqual({ from, status: '404', limit: '50' }));
    await waitFor(() =>
      expect(last('/api/v1/logs/api-calls/analytics/timeseries')).toEqual({
        from,
        status: '404',
        bucket: 'day',
      }),
    );
    expect((screen.getByLabelText('Status') as HTMLInputElement).value).toBe('404');
    // The all-calls view has no error-code filter: a stale one in the URL is not sent.
    expect(screen.queryByLabelText('Error code')).toBeNull();
  });

  it('reset to the unfiltered log', async () => {
    const user = userEvent.setup();
    renderAt(
      '/calls',
      '/calls?endpoint=%2Fapi%2Fv1%2Flicenses%2Fvalidate&q=timeout',
      <ApiLogsPage view="all" />,
    );
    await waitFor(() =>
      expect(last('/api/v1/logs/api-calls')).toEqual({
        endpoint: '/api/v1/licenses/validate',
        q: 'timeout',
        limit: '50',
      }),
    );
    await user.click(screen.getByRole('button', { name: 'Reset' }));
    await waitFor(() => expect(last('/api/v1/logs/api-calls')).toEqual({ limit: '50' }));
    expect((screen.getByLabelText('Endpoint') as HTMLInputElement).value).toBe('');
    expect(screen.getByTestId('location').textContent).toBe('');
  });
});

describe('the API Logs filters, combined and corrected', () => {
  it('mark a status and an error code the API would refuse, and send neither until both are right', async () => {
    const user = userEvent.setup();
    renderAt('/failures', '/failures', <ApiLogsPage view="failures" />);
    await waitFor(() => expect(last('/api/v1/logs/failed-api-calls')).toEqual({ limit: '50' }));
    const sent = requests.length;

    await user.type(screen.getByLabelText('Status'), '4x');
    await user.type(screen.getByLabelText('Error code'), 'license expired');
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));
    expect(await screen.findByText('A status such as 404, or a class such as 4xx.')).toBeTruthy();
    expect(screen.getByText('An error code such as ERR_LICENSE_EXPIRED.')).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toContain('2 filters need correcting');
    expect(screen.getByLabelText('Status').getAttribute('aria-invalid')).toBe('true');
    expect(requests.length).toBe(sent);
    expect(screen.getByTestId('location').textContent).toBe('');

    // One fixed: still nothing sent while the other is wrong.
    await user.clear(screen.getByLabelText('Status'));
    await user.type(screen.getByLabelText('Status'), '5xx');
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));
    expect(await screen.findByText('One filter needs correcting; nothing was searched.')).toBeTruthy();
    expect(requests.length).toBe(sent);

    await user.clear(screen.getByLabelText('Error code'));
    await user.type(screen.getByLabelText('Error code'), 'ERR_INTERNAL');
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));
    await waitFor(() =>
      expect(last('/api/v1/logs/failed-api-calls')).toEqual({
        status: '5xx',
        error_code: 'ERR_INTERNAL',
        limit: '50',
      }),
    );
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('drop a cleared filter from the list, the charts and the export', async () => {
    const user = userEvent.setup();
    renderAt(
      '/calls',
      '/calls?endpoint=%2Fapi%2Fv1%2Flicenses%2Fvalidate&status=404&customer_id=cus_01jb6ex3m9qk2v8y4t7r5w0zna',
      <ApiLogsPage view="all" />,
    );
    await waitFor(() =>
      expect(last('/api/v1/logs/api-calls')).toEqual({
        endpoint: '/api/v1/licenses/validate',
        status: '404',
        customer_id: 'cus_01jb6ex3m9qk2v8y4t7r5w0zna',
        limit: '50',
      }),
    );
    await user.clear(screen.getByLabelText('Status'));
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));
    await waitFor(() =>
      expect(last('/api/v1/logs/api-calls')).toEqual({
        endpoint: '/api/v1/licenses/validate',
        customer_id: 'cus_01jb6ex3m9qk2v8y4t7r5w0zna',
        limit: '50',
      }),
    );
    await waitFor(() =>
      expect(last('/api/v1/logs/api-calls/analytics/timeseries')).toEqual({
        endpoint: '/api/v1/licenses/validate',
        bucket: 'hour',
      }),
    );
    const csv = screen.getByRole('link', { name: 'Export to CSV' }).getAttribute('href') ?? '';
    expect(Object.fromEntries(new URL(csv, 'http://portal.test').searchParams)).toEqual({
      endpoint: '/api/v1/licenses/validate',
      customer_id: 'cus_01jb6ex3m9qk2v8y4t7r5w0zna',
      format: 'csv',
    });
  });

  it('send a local time range as UTC to the list and the charts alike', async () => {
    const user = userEvent.setup();
    renderAt('/calls', '/calls', <ApiLogsPage view="all" />);
    await waitFor(() => expect(last('/api/v1/logs/api-calls')).toEqual({ limit: '50' }));
    await user.type(screen.getByLabelText('From'), '2026-12-01T09:00');
    await user.type(screen.getByLabelText('To'), '2026-12-01T10:59');
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));
    const from = new Date(2026, 11, 1, 9, 0).toISOString();
    const to = new Date(2026, 11, 1, 10, 59, 59, 999).toISOString();
    await waitFor(() => expect(last('/api/v1/logs/api-calls')).toEqual({ from, to, limit: '50' }));
    // Two hours: the charts count by minute.
    await waitFor(() =>
      expect(last('/api/v1/logs/api-calls/analytics/timeseries')).toEqual({ from, to, bucket: 'minute' }),
    );
    expect(last('/api/v1/logs/api-calls/analytics/latency')).toEqual({ from, to, bucket: 'minute' });
  });
});

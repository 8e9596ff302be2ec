// @vitest-environment jsdom
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { recordRequests, renderAt, type RecordedRequest } from '../../test/render.js';
import { BlockedRequestsPage } from './BlockedRequestsPage.js';

let requests: RecordedRequest[];
const window = { from: '2026-12-01T00:00:00.000Z', to: '2026-12-02T00:00:00.000Z' };

beforeEach(() => {
  const recorder = recordRequests((path) => {
    if (path.endsWith('/auth/me')) return { permissions: [] };
    if (path.endsWith('/timeseries')) return { ...window, bucket: 'hour', data: [] };
    if (path.endsWith('/top')) return { ...window, by: 'ip', approximate: false, max_error: 0, data: [] };
    return { data: [], next_cursor: null };
  });
  requests = recorder.requests;
  vi.stubGlobal('fetch', recorder.fetch);
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const lastBlocked = () => requests.filter((r) => r.path === '/api/v1/logs/blocked').at(-1)?.query;

describe('the Blocked Requests filters', () => {
  it('send reason, address, country and minimum threat score as the API names them', async () => {
    const user = userEvent.setup();
    renderAt('/blocked', '/blocked', <BlockedRequestsPage />);
    await waitFor(() => expect(lastBlocked()).toEqual({ limit: '50' }));
    await user.selectOptions(screen.getByLabelText('Reason'), 'RATE_LIMIT_EXCEEDED');
    await user.type(screen.getByLabelText('Address'), '203.0.113.0/24');
    await user.type(screen.getByLabelText('Country'), 'kp');
    await user.type(screen.getByLabelText('Threat score at least'), '50');
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));
    await waitFor(() =>
      expect(lastBlocked()).toEqual({
        block_reason: 'RATE_LIMIT_EXCEEDED',
        ip: '203.0.113.0/24',
        country: 'kp',
        min_threat_score: '50',
        limit: '50',
      }),
    );
    // The chart follows the reason; the top lists cover the whole window.
    const series = requests.filter((r) => r.path.endsWith('/blocked/analytics/timeseries')).at(-1)?.query;
    expect(series).toEqual({ bucket: 'hour', block_reason: 'RATE_LIMIT_EXCEEDED' });
  });

  it('reset clears the reason select and the URL', async () => {
    const user = userEvent.setup();
    renderAt('/blocked', '/blocked?block_reason=GEO_BLOCKED', <BlockedRequestsPage />);
    await waitFor(() => expect(lastBlocked()).toEqual({ block_reason: 'GEO_BLOCKED', limit: '50' }));
    expect((screen.getByLabelText('Reason') as HTMLSelectElement).value).toBe('GEO_BLOCKED');
    await user.click(screen.getByRole('button', { name: 'Reset' }));
    await waitFor(() => expect(lastBlocked()).toEqual({ limit: '50' }));
    expect((screen.getByLabelText('Reason') as HTMLSelectElement).value).toBe('');
  });
});

describe('the Blocked Requests filters, combined and corrected', () => {
  it('mark an address, a country and a threat score the API would refuse, sending nothing', async () => {
    const user = userEvent.setup();
    renderAt('/blocked', '/blocked?block_reason=GEO_BLOCKED', <BlockedRequestsPage />);
    await waitFor(() => expect(lastBlocked()).toEqual({ block_reason: 'GEO_BLOCKED', limit: '50' }));
    const sent = requests.length;
    await user.type(screen.getByLabelText('Address'), '203.0.113.300');
    await user.type(screen.getByLabelText('Country'), 'KOR');
    await user.type(screen.getByLabelText('Threat score at least'), '150');
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));
    expect(await screen.findByText('An address (203.0.113.7) or a range (203.0.113.0/24).')).toBeTruthy();
    expect(screen.getByText('A two-letter country code such as KP.')).toBeTruthy();
    expect(screen.getByText('A whole number from 0 to 100.')).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toContain('3 filters need correcting');
    expect(requests.length).toBe(sent);
    expect(screen.getByTestId('location').textContent).toBe('?block_reason=GEO_BLOCKED');

    // Typing in a marked field clears its mark at once.
    await user.clear(screen.getByLabelText('Country'));
    expect(screen.queryByText('A two-letter country code such as KP.')).toBeNull();
    expect(screen.getByLabelText('Country').getAttribute('aria-invalid')).toBe('false');

    await user.clear(screen.getByLabelText('Address'));
    await user.type(screen.getByLabelText('Address'), '2001:db8::/32');
    await user.clear(screen.getByLabelText('Threat score at least'));
    await user.type(screen.getByLabelText('Threat score at least'), '100');
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));
    await waitFor(() =>
      expect(lastBlocked()).toEqual({
        block_reason: 'GEO_BLOCKED',
        ip: '2001:db8::/32',
        min_threat_score: '100',
        limit: '50',
      }),
    );
  });

  it('drop a cleared filter and keep the rest, with the range in UTC', async () => {
    const user = userEvent.setup();
    const from = new Date(2026, 10, 30, 22, 15).toISOString();
    renderAt(
      '/blocked',
      `/blocked?from=${encodeURIComponent(from)}&ip=198.51.100.7&country=KP`,
      <BlockedRequestsPage />,
    );
    await waitFor(() =>
      expect(lastBlocked()).toEqual({ from, ip: '198.51.100.7', country: 'KP', limit: '50' }),
    );
    expect((screen.getByLabelText('From') as HTMLInputElement).value).toBe('2026-11-30T22:15');
    await user.clear(screen.getByLabelText('Address'));
    await user.type(screen.getByLabelText('To'), '2026-12-01T06:00');
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));
    const to = new Date(2026, 11, 1, 6, 0, 59, 999).toISOString();
    await waitFor(() => expect(lastBlocked()).toEqual({ from, to, country: 'KP', limit: '50' }));
    expect(new URLSearchParams(screen.getByTestId('location').textContent ?? '').has('ip')).toBe(false);
  });
});

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

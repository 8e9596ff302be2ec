// @vitest-environment jsdom
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { recordRequests, renderAt, type RecordedRequest } from '../../test/render.js';
import { AlertsPage } from './AlertsPage.js';

let requests: RecordedRequest[];

beforeEach(() => {
  const recorder = recordRequests((path) => {
    if (path.endsWith('/auth/me')) return { permissions: [] };
    return { data: [], next_cursor: null };
  });
  requests = recorder.requests;
  vi.stubGlobal('fetch', recorder.fetch);
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const lastAlerts = () => requests.filter((r) => r.path === '/api/v1/alerts').at(-1)?.query;

describe('the fired alert filters', () => {
  it('send state, severity and the start of the window as the API names them, and keep them in the URL', async () => {
    const user = userEvent.setup();
    renderAt('/alerts', '/alerts', <AlertsPage />);
    await waitFor(() => expect(lastAlerts()).toEqual({ limit: '50' }));
    await user.selectOptions(screen.getByLabelText('State'), 'firing');
    await user.selectOptions(screen.getByLabelText('Severity'), 'critical');
    await user.type(screen.getByLabelText('Started from'), '2026-12-01T10:00');
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));
    const from = new Date('2026-12-01T10:00').toISOString();
    await waitFor(() =>
      expect(lastAlerts()).toEqual({ from, state: 'firing', severity: 'critical', limit: '50' }),
    );
    expect(new URLSearchParams(screen.getByTestId('location').textContent ?? '').get('severity')).toBe(
      'critical',
    );
    await screen.findByText('No alert matches these filters.');
  });

  it('reads the filters from the URL and reset clears them', async () => {
    const user = userEvent.setup();
    renderAt('/alerts', '/alerts?state=resolved&severity=info', <AlertsPage />);
    await waitFor(() => expect(lastAlerts()).toEqual({ state: 'resolved', severity: 'info', limit: '50' }));
    expect((screen.getByLabelText('State') as HTMLSelectElement).value).toBe('resolved');
    expect((screen.getByLabelText('Severity') as HTMLSelectElement).value).toBe('info');
    await user.click(screen.getByRole('button', { name: 'Reset' }));
    await waitFor(() => expect(lastAlerts()).toEqual({ limit: '50' }));
    expect((screen.getByLabelText('State') as HTMLSelectElement).value).toBe('');
    expect(screen.getByTestId('location').textContent).toBe('');
  });
});

// @vitest-environment jsdom
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { recordRequests, renderAt, type RecordedRequest } from '../../test/render.js';
import { ActivityLogsPage } from './ActivityLogsPage.js';

const EMPTY_PAGE = { data: [], next_cursor: null };
let requests: RecordedRequest[];

beforeEach(() => {
  const recorder = recordRequests(() => EMPTY_PAGE);
  requests = recorder.requests;
  vi.stubGlobal('fetch', recorder.fetch);
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const lastActivityQuery = () => requests.filter((r) => r.path === '/api/v1/logs/activity').at(-1)?.query;
const location = () => screen.getByTestId('location').textContent;

describe('the Activity Logs filters', () => {
  it('come back from the URL after a reload, in the form and in the query sent', async () => {
    const from = new Date(2026, 10, 3, 8, 30).toISOString();
    const url = `/activity?action_type=LICENSE_SUSPENDED&admin=ana%40example.com&from=${encodeURIComponent(from)}`;
    renderAt('/activity', url, <ActivityLogsPage />);
    await waitFor(() => expect(lastActivityQuery()).toBeDefined());
    expect(lastActivityQuery()).toEqual({
      from,
      admin: 'ana@example.com',
      action_type: 'LICENSE_SUSPENDED',
      limit: '50',
    });
    expect((screen.getByLabelText('Action type') as HTMLSelectElement).value).toBe('LICENSE_SUSPENDED');
    expect((screen.getByLabelText('Admin user') as HTMLInputElement).value).toBe('ana@example.com');
    // Shown in the viewer's local time.
    expect((screen.getByLabelText('From') as HTMLInputElement).value).toBe('2026-11-03T08:30');
    await screen.findByText('No activity matches these filters.');
  });

  it('send exactly the filters that are set, with the end of the chosen minute as `to`', async () => {
    const user = userEvent.setup();
    renderAt('/activity', '/activity', <ActivityLogsPage />);
    await waitFor(() => expect(lastActivityQuery()).toEqual({ limit: '50' }));

    await user.type(screen.getByLabelText('Admin user'), '  ops-key  ');
    await user.selectOptions(screen.getByLabelText('Action type'), 'SETTINGS_UPDATED');
    await user.type(screen.getByLabelText('To'), '2026-12-01T10:05');
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));

    const to = new Date(2026, 11, 1, 10, 5, 59, 999).toISOString();
    await waitFor(() =>
      expect(lastActivityQuery()).toEqual({
        to,
        admin: 'ops-key',
        action_type: 'SETTINGS_UPDATED',
        limit: '50',
      }),
    );
    expect(new URLSearchParams(location() ?? '').toString()).toBe(
      new URLSearchParams({ to, admin: 'ops-key', action_type: 'SETTINGS_UPDATED' }).toString(),
    );
    // The export link carries the same filters, without paging.
    const csv = screen.getByRole('link', { name: 'Export to CSV' }).getAttribute('href') ?? '';
    expect(Object.fromEntries(new URL(csv, 'http://portal.test').searchParams)).toEqual({
      to,
      admin: 'ops-key',
      action_type: 'SETTINGS_UPDATED',
      format: 'csv',
    });
  });

  it('reset every field and the URL, and search again without filters', async () => {
    const user = userEvent.setup();
    renderAt('/activity', '/activity?result=failure&q=licence&resource=license', <ActivityLogsPage />);
    await waitFor(() =>
      expect(lastActivityQuery()).toEqual({
        resource: 'license',
        result: 'failure',
        q: 'licence',
        limit: '50',
      }),
    );
    await user.click(screen.getByRole('button', { name: 'Reset' }));
    await waitFor(() => expect(lastActivityQuery()).toEqual({ limit: '50' }));
    expect(location()).toBe('');
    expect((screen.getByLabelText('Result') as HTMLSelectElement).value).toBe('');
    expect((screen.getByLabelText('Text') as HTMLInputElement).value).toBe('');
    expect((screen.getByLabelText('Resource') as HTMLInputElement).value).toBe('');
  });

  it('follow the URL when it changes from outside (back button), dropping a half-typed draft', async () => {
    const user = userEvent.setup();
    const { router } = renderAt('/activity', '/activity?admin=first%40example.com', <ActivityLogsPage />);
    await waitFor(() => expect(lastActivityQuery()?.admin).toBe('first@example.com'));
    await user.clear(screen.getByLabelText('Admin user'));
    await user.type(screen.getByLabelText('Admin user'), 'draft');
    await router.navigate('/activity?admin=second%40example.com');
    await waitFor(() => expect(lastActivityQuery()?.admin).toBe('second@example.com'));
    expect((screen.getByLabelText('Admin user') as HTMLInputElement).value).toBe('second@example.com');
  });

  it('ignore parameters the API does not take, so a stale link cannot break the search', async () => {
    renderAt('/activity', '/activity?page=3&utm_source=mail&action_type=ADMIN_LOGIN', <ActivityLogsPage />);
    await waitFor(() => expect(lastActivityQuery()).toEqual({ action_type: 'ADMIN_LOGIN', limit: '50' }));
  });
});

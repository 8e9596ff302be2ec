// @vitest-environment jsdom
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
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

describe('the Activity Logs filters, combined and corrected', () => {
  it('drop a cleared filter from the query and the URL, keeping the others', async () => {
    const user = userEvent.setup();
    renderAt(
      '/activity',
      '/activity?admin=ana%40example.com&action_type=LICENSE_SUSPENDED&result=success',
      <ActivityLogsPage />,
    );
    await waitFor(() =>
      expect(lastActivityQuery()).toEqual({
        admin: 'ana@example.com',
        action_type: 'LICENSE_SUSPENDED',
        result: 'success',
        limit: '50',
      }),
    );
    await user.clear(screen.getByLabelText('Admin user'));
    await user.selectOptions(screen.getByLabelText('Result'), '');
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));
    await waitFor(() =>
      expect(lastActivityQuery()).toEqual({ action_type: 'LICENSE_SUSPENDED', limit: '50' }),
    );
    expect(location()).toBe('?action_type=LICENSE_SUSPENDED');
    // Never sent empty: a cleared filter is absent, not `admin=`.
    expect(requests.some((r) => 'admin' in r.query && r.query.admin === '')).toBe(false);
  });

  it('show a range that ends before it starts, and send nothing until it is fixed', async () => {
    const user = userEvent.setup();
    renderAt('/activity', '/activity?action_type=ADMIN_LOGIN', <ActivityLogsPage />);
    await waitFor(() => expect(lastActivityQuery()).toEqual({ action_type: 'ADMIN_LOGIN', limit: '50' }));
    await user.type(screen.getByLabelText('From'), '2026-12-02T10:00');
    await user.type(screen.getByLabelText('To'), '2026-12-01T10:00');
    const sent = requests.length;
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));

    expect(await screen.findByText('Must be after From.')).toBeTruthy();
    expect(screen.getByLabelText('To').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByRole('alert').textContent).toContain('nothing was searched');
    expect(requests.length).toBe(sent);
    expect(location()).toBe('?action_type=ADMIN_LOGIN');

    await user.clear(screen.getByLabelText('To'));
    await user.type(screen.getByLabelText('To'), '2026-12-03T10:00');
    expect(screen.queryByText('Must be after From.')).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));
    await waitFor(() =>
      expect(lastActivityQuery()).toEqual({
        from: new Date(2026, 11, 2, 10, 0).toISOString(),
        to: new Date(2026, 11, 3, 10, 0, 59, 999).toISOString(),
        action_type: 'ADMIN_LOGIN',
        limit: '50',
      }),
    );
  });
});

describe('the Activity Logs date range in New York, across the spring-forward night', () => {
  // Node reads TZ again whenever it is set.
  beforeAll(() => {
    vi.stubEnv('TZ', 'America/New_York');
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });

  it('send the local minutes as UTC, each with its own offset (EST then EDT)', async () => {
    const user = userEvent.setup();
    renderAt('/activity', '/activity', <ActivityLogsPage />);
    await waitFor(() => expect(lastActivityQuery()).toEqual({ limit: '50' }));
    // Clocks go from 02:00 EST to 03:00 EDT on 8 March 2026.
    await user.type(screen.getByLabelText('From'), '2026-03-08T01:30');
    await user.type(screen.getByLabelText('To'), '2026-03-08T03:05');
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));
    await waitFor(() =>
      expect(lastActivityQuery()).toEqual({
        from: '2026-03-08T06:30:00.000Z',
        to: '2026-03-08T07:05:59.999Z',
        limit: '50',
      }),
    );
    // And back from the URL into the inputs, in local time.
    expect((screen.getByLabelText('From') as HTMLInputElement).value).toBe('2026-03-08T01:30');
    expect((screen.getByLabelText('To') as HTMLInputElement).value).toBe('2026-03-08T03:05');
  });
});

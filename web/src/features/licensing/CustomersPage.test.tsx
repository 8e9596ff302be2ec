// @vitest-environment jsdom
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { recordRequests, renderAt, type RecordedRequest } from '../../test/render.js';
import { CustomersPage } from './CustomersPage.js';

const GLOBEX = {
  id: 'cus_01jb6ex3m9qk2v8y4t7r5w0zna',
  name: 'Globex',
  email: 'ops@globex.example',
  metadata: {},
  created_at: '2026-12-01T08:00:00.000Z',
  updated_at: '2026-12-01T08:00:00.000Z',
};
const NOTES = `/api/v1/customers/${GLOBEX.id}/notes`;
let requests: RecordedRequest[];

beforeEach(() => {
  const recorder = recordRequests((path) => {
    if (path.endsWith('/auth/me'))
      return { permissions: ['customers:read', 'customers:write'], mfa_step: null };
    if (path === '/api/v1/customers') return { data: [GLOBEX], next_cursor: null };
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

describe('the customers page', () => {
  it('searches by the text in the URL, and drops the search once cleared', async () => {
    const user = userEvent.setup();
    renderAt('/customers', '/customers?q=glob', <CustomersPage />);
    await waitFor(() => expect(last('/api/v1/customers')).toEqual({ q: 'glob', limit: '50' }));
    expect((screen.getByLabelText('Search') as HTMLInputElement).value).toBe('glob');
    await screen.findByRole('button', { name: 'Globex' });

    await user.clear(screen.getByLabelText('Search'));
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));
    await waitFor(() => expect(last('/api/v1/customers')).toEqual({ limit: '50' }));
    expect(screen.getByTestId('location').textContent).toBe('');
  });

  it('shows the chosen customer with its notes, and refuses an empty note without sending it', async () => {
    const user = userEvent.setup();
    renderAt('/customers', '/customers', <CustomersPage />);
    await user.click(await screen.findByRole('button', { name: 'Globex' }));
    await waitFor(() => expect(last(NOTES)).toEqual({ limit: '20' }));
    expect(await screen.findByText('No notes on this customer yet.')).toBeTruthy();
    const panel = screen.getByRole('complementary', { name: 'Customer Globex' });
    // Local time, UTC on hover.
    expect(panel.querySelector('time')?.getAttribute('title')).toBe('2026-12-01 08:00:00.000 UTC');

    const sent = requests.filter((r) => r.path === NOTES).length;
    // The form appears once the signed-in admin's permissions are known.
    await user.click(await screen.findByRole('button', { name: 'Add note' }));
    expect(await screen.findByText(/Write the note first/)).toBeTruthy();
    await user.type(screen.getByLabelText('New note'), '   ');
    await user.click(screen.getByRole('button', { name: 'Add note' }));
    expect(requests.filter((r) => r.path === NOTES).length).toBe(sent);

    await user.type(screen.getByLabelText('New note'), 'Renewal in March.');
    await user.click(screen.getByRole('button', { name: 'Add note' }));
    expect(await screen.findByText('Note added.')).toBeTruthy();
    // Sent, then the list read again.
    expect(requests.filter((r) => r.path === NOTES).length).toBe(sent + 2);
    expect((screen.getByLabelText('New note') as HTMLTextAreaElement).value).toBe('');
  });
});

import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { createMemoryRouter, RouterProvider, useLocation } from 'react-router-dom';
import { AuthProvider } from '../auth/AuthContext.js';

/** Shows the router's current query, so a test can read what the URL holds. */
function LocationProbe() {
  const location = useLocation();
  return <output data-testid="location">{location.search}</output>;
}

/** Renders a page at a URL (as after a reload), with the portal's router and session. */
export function renderAt(path: string, url: string, element: ReactElement) {
  const router = createMemoryRouter(
    [
      {
        path,
        element: (
          <>
            {element}
            <LocationProbe />
          </>
        ),
      },
    ],
    { initialEntries: [url] },
  );
  return {
    router,
    ...render(
      <AuthProvider>
        <RouterProvider router={router} />
      </AuthProvider>,
    ),
  };
}

export interface RecordedRequest {
  path: string;
  query: Record<string, string>;
}

/** The API as the browser's fetch sees it: each request recorded, each answered by `answer`. */
export function recordRequests(answer: (path: string) => unknown): {
  requests: RecordedRequest[];
  fetch: typeof fetch;
} {
  const requests: RecordedRequest[] = [];
  const fetchStub = async (input: RequestInfo | URL) => {
    const url = new URL(String(input), 'http://portal.test');
    requests.push({ path: url.pathname, query: Object.fromEntries(url.searchParams) });
    return new Response(JSON.stringify(answer(url.pathname)), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  };
  return { requests, fetch: fetchStub as typeof fetch };
}

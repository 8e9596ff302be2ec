import { createBrowserRouter, Navigate, RouterProvider, type RouteObject } from 'react-router-dom';
import { AuthProvider, useAuth } from './auth/AuthContext.js';
import { SignInPage } from './auth/SignInPage.js';
import { MfaCodePage, MfaRequiredEnrolPage } from './auth/MfaStepPages.js';
import { TwoFactorPage } from './features/account/TwoFactorPage.js';
import { Loading } from './components/States.js';
import { ActivityLogsPage } from './features/activity/ActivityLogsPage.js';
import { ApiLogsPage } from './features/api-logs/ApiLogsPage.js';
import { AccessPage } from './features/access/AccessPage.js';
import { CustomersPage } from './features/licensing/CustomersPage.js';
import { LogSinksPage } from './features/log-sinks/LogSinksPage.js';
import { EmailTemplatesPage } from './features/email-templates/EmailTemplatesPage.js';
import { AlertRulesPage } from './features/alerts/AlertRulesPage.js';
import { AlertsPage } from './features/alerts/AlertsPage.js';
import { LicensesPage } from './features/licensing/LicensesPage.js';
import { ProductsPage } from './features/licensing/ProductsPage.js';
import { BlockedRequestsPage } from './features/security/BlockedRequestsPage.js';
import { RulesPage } from './features/security/RulesPage.js';
import { LoggingSettingsPage } from './features/settings/LoggingSettingsPage.js';
import { WebhooksPage } from './features/webhooks/WebhooksPage.js';
import { Layout } from './layout/Layout.js';
import { homePath } from './layout/navigation.js';

const NOTICES = {
  expired: 'Your session has ended. Sign in again to continue where you were.',
  'signed-out': 'You have signed out.',
} as const;

/** Signed in: the portal; otherwise the sign-in form, on the same URL so the admin returns to it. */
function Gate() {
  const { session } = useAuth();
  if (session.status === 'checking') return <Loading what="Opening the portal" />;
  if (session.status === 'signed-out')
    return <SignInPage notice={session.reason ? NOTICES[session.reason] : null} />;
  if (session.me.mfa_step === 'verify') return <MfaCodePage />;
  if (session.me.mfa_step === 'enrol') return <MfaRequiredEnrolPage />;
  return <Layout />;
}

function Home() {
  const { can } = useAuth();
  return <Navigate to={homePath(can)} replace />;
}

function NotFound() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>There is no such page in the portal. Use the menu to find what you need.</p>
    </section>
  );
}

export const routes: RouteObject[] = [
  {
    path: '/',
    element: <Gate />,
    children: [
      { index: true, element: <Home /> },
      { path: 'activity', element: <ActivityLogsPage /> },
      { path: 'analytics/api-logs', element: <ApiLogsPage view="all" /> },
      { path: 'analytics/api-logs/failures', element: <ApiLogsPage view="failures" /> },
      { path: 'security/blocked', element: <BlockedRequestsPage /> },
      { path: 'security/rules', element: <RulesPage /> },
      { path: 'licenses', element: <LicensesPage /> },
      { path: 'customers', element: <CustomersPage /> },
      { path: 'products', element: <ProductsPage /> },
      { path: 'settings/logging', element: <LoggingSettingsPage /> },
      { path: 'settings/access', element: <AccessPage /> },
      { path: 'account/two-factor', element: <TwoFactorPage /> },
      { path: 'settings/email-templates', element: <EmailTemplatesPage /> },
      { path: 'alerts', element: <AlertsPage /> },
      { path: 'alerts/rules', element: <AlertRulesPage /> },
      { path: 'integrations/log-sinks', element: <LogSinksPage /> },
      { path: 'integrations/webhooks', element: <WebhooksPage /> },
      { path: '*', element: <NotFound /> },
    ],
  },
];

const router = createBrowserRouter(routes, { basename: '/admin' });

export function App() {
  return (
    <AuthProvider>
      <RouterProvider router={router} />
    </AuthProvider>
  );
}

/** The portal's menu, in the product document's words; `permission` hides what a role cannot open. */
export interface NavItem {
  to: string;
  label: string;
  permission: string;
}
export interface NavSection {
  title: string;
  items: NavItem[];
}

export const NAVIGATION: NavSection[] = [
  { title: 'Dashboard', items: [{ to: '/activity', label: 'Activity Logs', permission: 'logs:read' }] },
  {
    title: 'Analytics',
    items: [
      { to: '/analytics/api-logs', label: 'API Logs', permission: 'logs:read' },
      { to: '/analytics/api-logs/failures', label: 'Failures', permission: 'logs:read' },
    ],
  },
  {
    title: 'Security',
    items: [
      { to: '/security/blocked', label: 'Blocked Requests', permission: 'logs:read' },
      { to: '/security/rules', label: 'Rules', permission: 'security:read' },
    ],
  },
  {
    title: 'Alerts',
    items: [
      { to: '/alerts', label: 'Fired alerts', permission: 'logs:read' },
      { to: '/alerts/rules', label: 'Alert rules', permission: 'settings:read' },
    ],
  },
  {
    title: 'Licensing',
    items: [
      { to: '/licenses', label: 'Licences', permission: 'licenses:read' },
      { to: '/customers', label: 'Customers', permission: 'customers:read' },
      { to: '/products', label: 'Products', permission: 'products:read' },
    ],
  },
  {
    title: 'Integrations',
    items: [
      { to: '/integrations/log-sinks', label: 'Log sinks', permission: 'settings:read' },
      { to: '/integrations/webhooks', label: 'Webhooks', permission: 'settings:read' },
    ],
  },
  {
    title: 'Settings',
    items: [
      { to: '/settings/logging', label: 'Logging', permission: 'settings:read' },
      { to: '/settings/access', label: 'Admins & API keys', permission: 'admins:read' },
      { to: '/settings/email-templates', label: 'Email templates', permission: 'settings:read' },
    ],
  },
];

/** The first page a role may open: where /admin lands. */
export function homePath(can: (permission: string) => boolean): string {
  for (const section of NAVIGATION)
    for (const item of section.items) if (can(item.permission)) return item.to;
  return '/licenses';
}

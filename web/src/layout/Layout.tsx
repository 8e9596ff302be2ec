import { NavLink, Outlet } from 'react-router-dom';
import { useAuth } from '../auth/AuthContext.js';
import { NAVIGATION } from './navigation.js';

export function Layout() {
  const { session, signOut, can } = useAuth();
  const me = session.status === 'signed-in' ? session.me : null;
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <aside className="sidebar">
        <div className="brand">KeyManager</div>
        <nav aria-label="Main">
          {NAVIGATION.map((section) => {
            const items = section.items.filter((item) => can(item.permission));
            if (items.length === 0) return null;
            return (
              <div key={section.title} className="nav-section">
                <h2>{section.title}</h2>
                <ul>
                  {items.map((item) => (
                    <li key={item.to}>
                      <NavLink to={item.to} end>
                        {item.label}
                      </NavLink>
                    </li>
                  ))}
                </ul>
              </div>
            );
          })}
        </nav>
        <div className="account">
          <span title={me?.role ?? ''}>{me?.email}</span>
          {me?.type === 'admin' && (
            <NavLink to="/account/two-factor" end>
              Two-factor authentication
            </NavLink>
          )}
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </aside>
      <main id="main" className="content" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}

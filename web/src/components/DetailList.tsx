import type { ReactNode } from 'react';

/** A definition list of the non-empty fields of an entry. */
export function DetailList({ items }: { items: [string, ReactNode][] }) {
  return (
    <dl>
      {items
        .filter(([, value]) => value !== null && value !== undefined && value !== '')
        .map(([label, value]) => (
          <div key={label} style={{ display: 'contents' }}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
    </dl>
  );
}

export function ApiLogsPage({ view }: { view: 'all' | 'failures' }) {
  return (
    <section>
      <h1>API Logs {view}</h1>
    </section>
  );
}

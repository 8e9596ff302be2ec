export function ActivityLogsPage() {
  return (
    <section>
      <h1>ActivityLogsPage</h1>
    </section>
  );
}

export function BlockedRequestsPage() {
  return (
    <section>
      <h1>BlockedRequestsPage</h1>
    </section>
  );
}

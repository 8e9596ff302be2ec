export function CustomersPage() {
  return (
    <section>
      <h1>CustomersPage</h1>
    </section>
  );
}

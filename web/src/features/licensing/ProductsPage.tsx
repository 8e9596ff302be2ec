export function ProductsPage() {
  return (
    <section>
      <h1>ProductsPage</h1>
    </section>
  );
}

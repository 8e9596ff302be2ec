export function AccessPage() {
  return (
    <section>
      <h1>AccessPage</h1>
    </section>
  );
}

export function RulesPage() {
  return (
    <section>
      <h1>RulesPage</h1>
    </section>
  );
}

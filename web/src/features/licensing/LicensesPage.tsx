export function LicensesPage() {
  return (
    <section>
      <h1>LicensesPage</h1>
    </section>
  );
}

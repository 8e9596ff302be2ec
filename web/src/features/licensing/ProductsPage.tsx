import { catalogue } from '../../api/endpoints.js';
import type { Product } from '../../api/types.js';
import { CatalogueListPage, type CatalogueApi } from './CatalogueListPage.js';

const api: CatalogueApi<Product> = {
  list: catalogue.products,
  create: (body) => catalogue.createProduct(body as { name: string; code?: string }),
  update: (id, body) => catalogue.updateProduct(id, body as { name?: string; code?: string | null }),
};

export function ProductsPage() {
  return (
    <CatalogueListPage<Product>
      title="Products"
      noun="product"
      permission="products:write"
      searchHint="name or code"
      api={api}
      fields={[
        { name: 'name', label: 'Product name', required: true },
        { name: 'code', label: 'Code', placeholder: 'acme-editor' },
      ]}
      columns={[{ header: 'Code', cell: (p) => p.code ?? '—' }]}
    />
  );
}

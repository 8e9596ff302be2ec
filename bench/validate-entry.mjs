// The entry the benchmarks feed the request-log writer: a typical licence validation, as the request
// path journals it. The bytes-per-stored-entry goal (<= 250) is about this entry.

/** The `i`th validate call's entry under `id`; `failed` makes it a 404 for an unknown key. */
export function validateEntry(id, i, failed = false) {
  return {
    log: 'api',
    row: {
      id,
      endpoint: '/api/v1/licenses/validate',
      path: null,
      method: 2,
      status: failed ? 404 : 200,
      response_time_us: 300 + (i % 500),
      ip: `203.0.113.${i % 250}`,
      api_key: null,
      api_key_id: 'key_01jh8v7w9x0y1z2a3b4c5d6e7f',
      request_size: 62,
      response_size: 180,
      user_agent: 'KeyManager-SDK/2.1.0 Python/3.11',
      license_key: 'XXXX-XXXX-XXXX-7K2M',
      license_key_hash: 'a4f8d2c1b9e7f6a5d4c3b2a1f0e9d8c7',
      license_id: 'lic_01jh8v7w9x0y1z2a3b4c5d6e7f',
      customer_id: 'cus_01jh8v7w9x0y1z2a3b4c5d6e7f',
      product_id: 'prd_01jh8v7w9x0y1z2a3b4c5d6e7f',
      channel: 0,
      direction: 0,
      error_code: failed ? 'ERR_NOT_FOUND' : null,
      error_message: failed ? 'License key not found' : null,
      stack_trace: null,
      validation_errors: null,
      retry_count: null,
      request_body: null,
      request_body_truncated: null,
    },
  };
}

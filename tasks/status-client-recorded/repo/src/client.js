// Client for the Northwind Cloud status API (see README.md).

export const DEFAULT_BASE_URL = 'https://status.northwind.example/api/v2';

/** Any failure to get a trustworthy, fresh list of open incidents. */
export class StatusApiError extends Error {
  name = 'StatusApiError';
}

/**
 * Fetches the open incidents.
 *
 * options.baseUrl  the API's base URL (default DEFAULT_BASE_URL)
 * options.now      a function returning the current time in ms (default Date.now)
 *
 * Resolves to { generatedAt: Date, incidents: [{ id, title, severity, startedAt: Date,
 * components }], body: the raw response body (string), signature: the header's value }.
 * Rejects with a StatusApiError when the request fails, the status is not 200, the
 * signature is missing or does not verify, or the response is stale.
 */
export async function fetchOpenIncidents(options = {}) {
  throw new StatusApiError('not implemented');
}

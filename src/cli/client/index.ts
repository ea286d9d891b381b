export { API_VERSION, buildPath, createClient, HttpApiClient } from './client.ts';
export type { ApiClient, ApiResponse, PingResult, QueryValue, RequestOptions } from './client.ts';
export { ApiError, cannotConnectMessage, DaemonConnectError, JsonStreamError } from './errors.ts';
export { buildFilters, FILTER_FORMAT_ERROR, filterMap, parseFilterArg, validateFilterArg } from './filters.ts';

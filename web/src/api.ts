import type { ApiErrorBody } from './types.ts';

/** An error answer of the API (`{error, message, path?}`, docs/api.md) or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly path: string | null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const KEY_STORAGE = 'backstop.apiKey';

export const storedKey = (): string | null => sessionStorage.getItem(KEY_STORAGE);
export const storeKey = (key: string): void => sessionStorage.setItem(KEY_STORAGE, key);
export const forgetKey = (): void => sessionStorage.removeItem(KEY_STORAGE);

/**
 * Calls the API with the session's key. Requests go to the same origin the dashboard was served
 * from, relative to the page (so a dashboard served under a prefix finds its API there).
 */
export class Api {
  /** Called once on a 401: the key is unknown or revoked. */
  onUnauthorized: (e: ApiError) => void = () => {};

  constructor(private readonly key: string) {}

  async get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.key}`,
      accept: 'application/json',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(apiUrl(path), {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        cache: 'no-store',
      });
    } catch (e) {
      throw new ApiError(0, 'NETWORK', `cannot reach the service (${(e as Error).message})`, null);
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (!res.ok) {
      const b = (json ?? {}) as Partial<ApiErrorBody>;
      const err = new ApiError(
        res.status,
        typeof b.error === 'string' ? b.error : `HTTP_${res.status}`,
        typeof b.message === 'string' ? b.message : res.statusText || `HTTP ${res.status}`,
        typeof b.path === 'string' ? b.path : null,
      );
      if (res.status === 401) this.onUnauthorized(err);
      throw err;
    }
    return json as T;
  }
}

/** `path` (e.g. `/v1/fund`) resolved against the directory the dashboard was loaded from. */
export function apiUrl(path: string): string {
  return new URL(path.replace(/^\//, ''), baseUrl()).toString();
}

/** The WebSocket URL of `/v1/stream`, ws: or wss: as the page. */
export function streamUrl(): string {
  const u = new URL('v1/stream', baseUrl());
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u.toString();
}

function baseUrl(): string {
  const u = new URL(window.location.href);
  u.search = '';
  u.hash = '';
  u.pathname = u.pathname.replace(/[^/]*$/, '');
  return u.toString();
}

/**
 * Content-Type headers as Koa writes them (`ctx.type = 'json'` becomes `application/json;
 * charset=utf-8`), worked out once per distinct value. Koa asks mime-types on every assignment,
 * and every manifest, blob and ECR answer makes one; the header it gives for a value never changes.
 * At most KNOWN_MAX values are kept (a manifest's media type comes from a request); past that,
 * assignments go to Koa as before. The /v2 front lane (oci/front-lane.ts) writes the headers
 * remembered here, and leaves a value Koa has not written yet to Koa.
 */
import type Koa from 'koa';

const KNOWN_MAX = 256;

/** The Content-Type header Koa writes for a value it has been given before, else undefined. */
export type KnownContentType = (value: string) => string | undefined;

export function rememberContentTypes(app: Koa): KnownContentType {
  const koaResponse = Object.getPrototypeOf(app.response) as object;
  const { get, set } = Object.getOwnPropertyDescriptor(koaResponse, 'type') ?? {};
  if (get === undefined || set === undefined) throw new Error("Koa's response has no type accessor");
  const known = new Map<string, string>();
  Object.defineProperty(app.response, 'type', {
    configurable: true,
    get,
    set(this: Koa.Response, value: unknown) {
      const header = typeof value === 'string' ? known.get(value) : undefined;
      if (header !== undefined) return this.set('Content-Type', header);
      set.call(this, value);
      if (typeof value !== 'string' || this.headerSent || known.size >= KNOWN_MAX) return;
      // a value Koa answers with no header (an unknown extension) is left to Koa each time
      const written = this.get('Content-Type');
      if (typeof written === 'string' && written !== '') known.set(value, written);
    },
  });
  return (value) => known.get(value);
}

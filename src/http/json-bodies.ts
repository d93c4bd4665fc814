/**
 * JSON answers become JSON text as they are set (`ctx.body = { ... }`), before Koa looks at them.
 *
 * Koa's body setter, and its respond(), ask `instanceof ReadableStream`, `Blob` and `Response`
 * of every body that is not a string, a Buffer or a stream; reading Node's global `Response`
 * loads its fetch implementation (undici), ~25 ms of the first JSON answer of a process (a CI
 * job's first poll of /_rewind/health). A plain object or array is sent as Koa sends it
 * (`JSON.stringify`, `application/json; charset=utf-8` unless a JSON type is set), only its
 * Content-Length is known up front (a HEAD answer carries it too). `ctx.body` reads back the text.
 */
import type Koa from 'koa';

const isJsonValue = (value: unknown): value is object => {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return true;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

export function jsonBodiesAsText(app: Koa): void {
  const koaResponse = Object.getPrototypeOf(app.response) as object;
  const body = Object.getOwnPropertyDescriptor(koaResponse, 'body');
  const { get, set } = body ?? {};
  if (get === undefined || set === undefined) throw new Error("Koa's response has no body accessor");
  Object.defineProperty(app.response, 'body', {
    configurable: true,
    get,
    set(this: Koa.Response, value: unknown) {
      if (!isJsonValue(value)) return set.call(this, value);
      if (!/\bjson\b/i.test(this.type)) this.type = 'json';
      set.call(this, JSON.stringify(value));
    },
  });
}

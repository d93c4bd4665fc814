/**
 * The JSON 1.1 wire form of the SDK's shapes: timestamps travel as epoch
 * seconds (fractions allowed) and blobs as base64 strings. Handlers return
 * Wire<SdkResponse>, so the compiler checks them against AWS's model.
 */
export type Wire<T> = T extends Date
  ? number
  : T extends Uint8Array
    ? string
    : T extends readonly (infer U)[]
      ? Wire<U>[]
      : T extends object
        ? { [K in keyof T]: Wire<T[K]> }
        : T;

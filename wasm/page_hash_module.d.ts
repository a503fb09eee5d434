/**
 * The compiled page-hash kernel (`wasm/build/page_hash.wasm`), ready to instantiate with
 * `new WebAssembly.Instance(pageHashModule)` (it has no imports).
 *
 * @module
 */

/** The compiled kernel. */
export declare const pageHashModule: WebAssembly.Module;

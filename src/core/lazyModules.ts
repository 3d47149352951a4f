/* eslint-disable @typescript-eslint/no-require-imports -- the one place that defers loading libraries */
import type * as JsYaml from 'js-yaml';
import type * as TarStream from 'tar-stream';
import type * as Yaml from 'yaml';

/**
 * Libraries loaded on first use rather than when the bundle starts: evaluating them is most of the extension's
 * loading time, and activation (or a CLI command answered from the cache) does not need them.
 */
let yaml: typeof Yaml | undefined;
let jsYaml: typeof JsYaml | undefined;
let tarStream: typeof TarStream | undefined;

export const loadYaml = (): typeof Yaml => (yaml ??= require('yaml') as typeof Yaml);
export const loadJsYaml = (): typeof JsYaml => (jsYaml ??= require('js-yaml') as typeof JsYaml);
export const loadTarStream = (): typeof TarStream => (tarStream ??= require('tar-stream') as typeof TarStream);

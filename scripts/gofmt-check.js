#!/usr/bin/env node
// Fails, naming the files, when `gofmt -l` finds a Go file of the test cluster module that is not gofmt-formatted.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const moduleDir = path.resolve(__dirname, '..', 'test', 'cluster');
const result = spawnSync('gofmt', ['-l', moduleDir], { encoding: 'utf8' });
if (result.error) {
  console.error(`gofmt-check: could not run gofmt (${result.error.message}); it comes with Go`);
  process.exit(1);
}
const files = result.stdout.split('\n').filter(Boolean);
if (result.status !== 0 || files.length > 0) {
  console.error(`gofmt-check: not gofmt-formatted (run gofmt -w on them):\n${files.join('\n')}${result.stderr}`);
  process.exit(1);
}

// Runs inside `docker build`, in the image's own Node and libc: loads every package main.js
// requires, so a missing dependency or a native module built for another platform fails the
// build instead of the first start.   Usage: node verify-app.cjs /app
'use strict';
const { readFileSync } = require('node:fs');
const { builtinModules, createRequire } = require('node:module');
const { join } = require('node:path');

const appDir = process.argv[2] || '/app';
const source = readFileSync(join(appDir, 'main.js'), 'utf8');
const builtins = new Set(builtinModules);
const requireFromApp = createRequire(join(appDir, 'main.js'));
const failures = [];
let loaded = 0;
for (const match of source.matchAll(/require\(\s*["']([^"'./][^"']*)["']\s*\)/g)) {
  const specifier = match[1];
  if (specifier.startsWith('node:') || builtins.has(specifier.split('/')[0])) continue;
  try {
    requireFromApp(specifier);
    loaded += 1;
  } catch (error) {
    failures.push(`${specifier}: ${error && error.message ? error.message.split('\n')[0] : String(error)}`);
  }
}
if (failures.length) {
  process.stderr.write(`main.js cannot load:\n  ${failures.join('\n  ')}\n`);
  process.exit(1);
}
process.stdout.write(`verify-app: main.js loads its ${loaded} external packages\n`);

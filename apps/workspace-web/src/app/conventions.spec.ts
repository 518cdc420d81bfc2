import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The dashboard's house rules that a reviewer would otherwise have to check by eye. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

const files = sources(__dirname).map((path) => ({ path: path.slice(__dirname.length + 1), text: readFileSync(path, 'utf8') }));

describe('conventions', () => {
  it('every component uses OnPush change detection', () => {
    const components = files.filter((f) => f.text.includes('@Component('));
    expect(components.length).toBeGreaterThan(20);
    const withoutOnPush = components.filter((f) => (f.text.match(/@Component\(/g) ?? []).length !== (f.text.match(/ChangeDetectionStrategy\.OnPush/g) ?? []).length);
    expect(withoutOnPush.map((f) => f.path)).toEqual([]);
  });

  it('only the API client calls fetch, and nothing uses HttpClient or EventSource', () => {
    const offenders = files.filter((f) => !f.path.startsWith('core/') && /\bfetch\(|HttpClient|new EventSource/.test(f.text));
    expect(offenders.map((f) => f.path)).toEqual([]);
  });

  it('templates use the built-in control flow, not *ngIf/*ngFor', () => {
    const templates = readdirRecursive(__dirname).filter((p) => p.endsWith('.html') || (p.endsWith('.ts') && !p.endsWith('.spec.ts')));
    expect(templates.length).toBeGreaterThan(20);
    const legacy = templates.filter((p) => /\*ng(If|For|Switch)\b/.test(readFileSync(p, 'utf8')));
    expect(legacy).toEqual([]);
  });
});

function readdirRecursive(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? readdirRecursive(path) : [path];
  });
}

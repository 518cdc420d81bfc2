import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { loadAll } from 'js-yaml';
import { repoPath, runOk } from './commands';
import type { K8sObject } from './k8s-objects';

/** Renders a kustomization directory (relative to the repository) with `kubectl kustomize`. */
export function renderKustomization(dir: string): K8sObject[] {
  return parseManifests(runOk('kubectl', ['kustomize', repoPath(dir)]));
}

/** Renders `resources` with `components` applied, the way an operator's own overlay would. */
export function renderComposition(resources: string[], components: string[]): K8sObject[] {
  const dir = mkdtempSync(join(tmpdir(), 'oz-kustomize-'));
  try {
    const relativeTo = (path: string) => relative(dir, repoPath(path));
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'resources:',
        ...resources.map((path) => `  - ${relativeTo(path)}`),
        'components:',
        ...components.map((path) => `  - ${relativeTo(path)}`),
        '',
      ].join('\n'),
    );
    return parseManifests(runOk('kubectl', ['kustomize', dir]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function parseManifests(text: string): K8sObject[] {
  return loadAll(text).filter((document): document is K8sObject => {
    if (document === null || document === undefined) return false;
    const object = document as Partial<K8sObject>;
    if (typeof object.kind !== 'string' || typeof object.apiVersion !== 'string' || typeof object.metadata?.name !== 'string') {
      throw new Error(`not a Kubernetes object: ${JSON.stringify(document).slice(0, 200)}`);
    }
    return true;
  });
}

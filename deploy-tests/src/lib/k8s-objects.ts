import type { IContainer, IPodSpec, IPodTemplateSpec } from 'kubernetes-models/v1';

/** Any rendered Kubernetes object: the fields every kind has, the rest left to the kind's schema. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

/** `Kind/name`, how violations name an object. */
export const ref = (object: K8sObject): string => `${object.kind}/${object.metadata.name}`;

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'] as const;

export interface Workload {
  object: K8sObject;
  template: IPodTemplateSpec;
  pod: IPodSpec;
}

/** Objects that run pods, with their pod template. */
export function workloads(objects: readonly K8sObject[]): Workload[] {
  return objects
    .filter((object) => (WORKLOAD_KINDS as readonly string[]).includes(object.kind))
    .map((object) => {
      const template = (object['spec'] as { template?: IPodTemplateSpec } | undefined)?.template;
      if (!template?.spec) throw new Error(`${ref(object)} has no pod template`);
      return { object, template, pod: template.spec };
    });
}

export interface PodContainer {
  workload: Workload;
  container: IContainer;
  /** An init container that runs to completion, not a native sidecar (restartPolicy: Always). */
  runsToCompletion: boolean;
  /** `Kind/name container`, for messages. */
  where: string;
}

/** Every container of every workload, init containers and native sidecars included. */
export function containers(objects: readonly K8sObject[]): PodContainer[] {
  return workloads(objects).flatMap((workload) => [
    ...(workload.pod.initContainers ?? []).map((container) => ({
      workload,
      container,
      runsToCompletion: container.restartPolicy !== 'Always',
      where: `${ref(workload.object)} container ${container.name}`,
    })),
    ...workload.pod.containers.map((container) => ({
      workload,
      container,
      runsToCompletion: workload.object.kind === 'Job',
      where: `${ref(workload.object)} container ${container.name}`,
    })),
  ]);
}

export function find(objects: readonly K8sObject[], kind: string, name: string): K8sObject | undefined {
  return objects.find((object) => object.kind === kind && object.metadata.name === name);
}

export function findOrThrow(objects: readonly K8sObject[], kind: string, name: string): K8sObject {
  const found = find(objects, kind, name);
  if (!found) throw new Error(`no ${kind}/${name} among ${objects.map(ref).join(', ')}`);
  return found;
}

/** The workload (by kind and name) as a pod-bearing object, or an error naming what exists. */
export function workload(objects: readonly K8sObject[], kind: string, name: string): Workload {
  const found = workloads(objects).find((candidate) => candidate.object.kind === kind && candidate.object.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name}`);
  return found;
}

/** Whether a label selector's matchLabels all appear in the labels. */
export function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return true;
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

/**
 * The environment a container starts with, as far as the manifests decide it: ConfigMap values
 * (envFrom and configMapKeyRef) and literal values. Secret-backed variables map to `secret:<name>`.
 */
export function effectiveEnv(objects: readonly K8sObject[], container: IContainer): Map<string, string> {
  const env = new Map<string, string>();
  const configMapData = (name: string) => (find(objects, 'ConfigMap', name)?.['data'] ?? {}) as Record<string, string>;
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef?.name) {
      for (const [key, value] of Object.entries(configMapData(source.configMapRef.name))) env.set(`${source.prefix ?? ''}${key}`, value);
    }
    if (source.secretRef?.name) env.set(`${source.prefix ?? ''}*`, `secret:${source.secretRef.name}`);
  }
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) env.set(variable.name, variable.value);
    else if (variable.valueFrom?.configMapKeyRef) {
      const { name, key } = variable.valueFrom.configMapKeyRef;
      env.set(variable.name, configMapData(name ?? '')[key] ?? '');
    } else if (variable.valueFrom?.secretKeyRef) env.set(variable.name, `secret:${variable.valueFrom.secretKeyRef.name}`);
  }
  return env;
}

/** A deep copy to break on purpose. */
export const clone = <T>(value: T): T => structuredClone(value);

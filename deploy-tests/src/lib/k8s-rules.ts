import type { IContainer, IProbe } from 'kubernetes-models/v1';
import {
  containers,
  effectiveEnv,
  find,
  ref,
  selects,
  workload,
  workloads,
  type K8sObject,
  type PodContainer,
} from './k8s-objects';

/**
 * The operational rules the manifests must keep (issue 14 and k8s/README.md). Each returns one
 * message per violation, empty when the rendered objects keep the rule.
 */
export interface RuleOptions {
  /** Production rules: pinned images, two replicas or more, TLS, no Secret objects rendered. */
  production: boolean;
  /** Secrets the cluster must already hold (created outside the repository). */
  externalSecrets: readonly string[];
}

export type Rule = (objects: readonly K8sObject[], options: RuleOptions) => string[];

/** Containers allowed to run privileged, as root, with a writable root: documented in k8s/README.md. */
const PRIVILEGED_EXCEPTIONS = [{ workload: 'Deployment/oz-worker', container: 'dind' }];

/** Environment and ConfigMap keys whose values are secrets. */
const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|API_KEY|_KEY$|^DATABASE_URL$|^REDIS_URL$)/;
/** A URL with a password in it (scheme://user:password@host). */
const URL_WITH_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i;

const isException = (entry: PodContainer) =>
  PRIVILEGED_EXCEPTIONS.some((exception) => exception.workload === ref(entry.workload.object) && exception.container === entry.container.name);

function probeOnHealth(probe: IProbe | undefined, container: IContainer): boolean {
  const get = probe?.httpGet;
  if (!get || get.path !== '/health') return false;
  const http = container.ports?.find((port) => port.name === 'http');
  return get.port === 'http' || get.port === http?.containerPort;
}

export const httpAppsProbeHealth: Rule = (objects) =>
  containers(objects)
    .filter(({ container, runsToCompletion }) => !runsToCompletion && container.ports?.some((port) => port.name === 'http'))
    .flatMap(({ container, where }) => [
      ...(probeOnHealth(container.readinessProbe, container) ? [] : [`${where}: readinessProbe must GET /health on its http port`]),
      ...(probeOnHealth(container.livenessProbe, container) ? [] : [`${where}: livenessProbe must GET /health on its http port`]),
    ]);

export const longRunningContainersHaveLiveness: Rule = (objects) =>
  containers(objects)
    .filter(({ runsToCompletion }) => !runsToCompletion)
    .filter(({ container }) => !container.livenessProbe)
    .map(({ where }) => `${where}: no livenessProbe`);

/** Pods behind a Service get traffic only when ready. */
export const serviceBackendsHaveReadiness: Rule = (objects) =>
  objects
    .filter((object) => object.kind === 'Service')
    .flatMap((service) => {
      const spec = service['spec'] as { selector?: Record<string, string>; ports?: { targetPort?: string | number }[] };
      const targets = new Set((spec.ports ?? []).map((port) => port.targetPort));
      return containers(objects)
        .filter(({ workload: { template } }) => selects(spec.selector, template.metadata?.labels))
        .filter(({ container }) => container.ports?.some((port) => targets.has(port.name) || targets.has(port.containerPort)))
        .filter(({ container }) => !container.readinessProbe)
        .map(({ where }) => `${where}: serves ${ref(service)} but has no readinessProbe`);
    });

const CPU = /^(\d+(?:\.\d+)?)(m?)$/;
const MEMORY = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const MEMORY_UNITS: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

/** A CPU or memory quantity as a number (cores, bytes); NaN when unreadable. */
export function quantity(resource: 'cpu' | 'memory', value: string | number | undefined): number {
  if (value === undefined) return NaN;
  const text = String(value);
  const match = (resource === 'cpu' ? CPU : MEMORY).exec(text);
  if (!match) return NaN;
  const amount = Number(match[1]);
  return resource === 'cpu' ? (match[2] === 'm' ? amount / 1000 : amount) : amount * (MEMORY_UNITS[match[2] ?? ''] ?? NaN);
}

export const resourcesRequestedAndLimited: Rule = (objects) =>
  containers(objects).flatMap(({ container, where }) =>
    (['cpu', 'memory'] as const).flatMap((resource) => {
      const request = quantity(resource, container.resources?.requests?.[resource]);
      const limit = quantity(resource, container.resources?.limits?.[resource]);
      if (Number.isNaN(request)) return [`${where}: no ${resource} request`];
      if (Number.isNaN(limit)) return [`${where}: no ${resource} limit`];
      return request > limit ? [`${where}: ${resource} request above its limit`] : [];
    }),
  );

export const containersHardened: Rule = (objects) =>
  containers(objects)
    .filter((entry) => !isException(entry))
    .flatMap(({ workload: { pod }, container, where }) => {
      const context = container.securityContext ?? {};
      const podContext = pod.securityContext ?? {};
      const problems: string[] = [];
      if (!(context.runAsNonRoot ?? podContext.runAsNonRoot)) problems.push('runAsNonRoot is not true');
      if ((context.runAsUser ?? podContext.runAsUser) === 0) problems.push('runs as uid 0');
      if (context.allowPrivilegeEscalation !== false) problems.push('allowPrivilegeEscalation is not false');
      if (!context.capabilities?.drop?.includes('ALL')) problems.push('capabilities do not drop ALL');
      if (context.privileged) problems.push('privileged');
      if (context.readOnlyRootFilesystem !== true) problems.push('root filesystem is writable');
      const seccomp = context.seccompProfile?.type ?? podContext.seccompProfile?.type;
      if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') problems.push('no seccomp profile (RuntimeDefault)');
      return problems.map((problem) => `${where}: ${problem}`);
    });

export const readOnlyRootHasTmp: Rule = (objects) =>
  containers(objects)
    .filter(({ container }) => container.securityContext?.readOnlyRootFilesystem)
    .filter(({ workload: { pod }, container }) => {
      const mount = container.volumeMounts?.find((volumeMount) => volumeMount.mountPath === '/tmp');
      return !pod.volumes?.some((volume) => volume.name === mount?.name && volume.emptyDir);
    })
    .map(({ where }) => `${where}: read-only root without an emptyDir at /tmp`);

export const noServiceAccountTokens: Rule = (objects) =>
  workloads(objects)
    .filter(({ pod }) => pod.automountServiceAccountToken !== false)
    .map(({ object }) => `${ref(object)}: mounts a service account token (the apps call no Kubernetes API)`);

export const deploymentsHaveDisruptionBudgets: Rule = (objects) =>
  workloads(objects)
    .filter(({ object }) => object.kind === 'Deployment')
    .flatMap(({ object, template }) => {
      const budgets = objects
        .filter((candidate) => candidate.kind === 'PodDisruptionBudget')
        .filter((budget) => selects((budget['spec'] as { selector?: { matchLabels?: Record<string, string> } }).selector?.matchLabels, template.metadata?.labels));
      if (budgets.length === 0) return [`${ref(object)}: no PodDisruptionBudget selects its pods`];
      const replicas = Math.max(
        (object['spec'] as { replicas?: number }).replicas ?? 1,
        autoscalerOf(objects, object)?.minReplicas ?? 1,
      );
      return budgets
        .filter((budget) => {
          const minAvailable = (budget['spec'] as { minAvailable?: number | string }).minAvailable;
          return typeof minAvailable === 'number' && minAvailable >= replicas;
        })
        .map((budget) => `${ref(budget)}: minAvailable blocks every eviction of ${ref(object)} (${replicas} replicas)`);
    });

function autoscalerOf(objects: readonly K8sObject[], target: K8sObject): { minReplicas?: number } | undefined {
  return objects
    .filter((object) => object.kind === 'HorizontalPodAutoscaler')
    .map((object) => object['spec'] as { scaleTargetRef: { kind: string; name: string }; minReplicas?: number })
    .find((spec) => spec.scaleTargetRef.kind === target.kind && spec.scaleTargetRef.name === target.metadata.name);
}

export const noLiteralSecrets: Rule = (objects) => [
  ...containers(objects).flatMap(({ container, where }) =>
    (container.env ?? []).flatMap((variable) => {
      if (SECRET_NAME.test(variable.name) && !variable.valueFrom?.secretKeyRef) {
        return [`${where}: ${variable.name} must come from a Secret (secretKeyRef), not a literal or a ConfigMap`];
      }
      if (variable.value !== undefined && URL_WITH_PASSWORD.test(variable.value)) {
        return [`${where}: ${variable.name} holds a URL with a password`];
      }
      return [];
    }),
  ),
  ...objects
    .filter((object) => object.kind === 'ConfigMap')
    .flatMap((configMap) =>
      Object.entries((configMap['data'] ?? {}) as Record<string, string>).flatMap(([key, value]) => [
        ...(SECRET_NAME.test(key) ? [`${ref(configMap)}: ${key} is a secret; put it in a Secret`] : []),
        ...(URL_WITH_PASSWORD.test(value) ? [`${ref(configMap)}: ${key} holds a URL with a password`] : []),
      ]),
    ),
];

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Says CHANGE-ME, possibly inside base64 (keys that must be base64, like OZ_SECRETS_KEY). */
const isPlaceholder = (value: string): boolean =>
  value.includes('CHANGE-ME') || (BASE64.test(value) && Buffer.from(value, 'base64').toString('utf8').includes('CHANGE-ME'));

/** Rendered Secrets may only be obvious placeholders; production renders none at all. */
export const secretsArePlaceholders: Rule = (objects, { production }) =>
  objects
    .filter((object) => object.kind === 'Secret')
    .flatMap((secret) => {
      if (production) return [`${ref(secret)}: production must not render Secrets (create them outside the repository)`];
      const data = Object.entries((secret['data'] ?? {}) as Record<string, string>).map(([key, value]) => [key, Buffer.from(value.replace(/\s+/g, ''), 'base64').toString('utf8')]);
      const stringData = Object.entries((secret['stringData'] ?? {}) as Record<string, string>);
      return [...data, ...stringData]
        .filter(([, value]) => !isPlaceholder(value ?? ''))
        .map(([key]) => `${ref(secret)}: ${key} is not marked CHANGE-ME; only placeholders belong in the repository`);
    });

export const secretReferencesResolve: Rule = (objects, { externalSecrets }) => {
  const referenced = new Map<string, string>();
  for (const { container, where } of containers(objects)) {
    for (const source of container.envFrom ?? []) if (source.secretRef?.name) referenced.set(source.secretRef.name, where);
    for (const variable of container.env ?? []) {
      const name = variable.valueFrom?.secretKeyRef?.name;
      if (name) referenced.set(name, where);
    }
  }
  for (const { object, pod } of workloads(objects)) {
    for (const volume of pod.volumes ?? []) if (volume.secret?.secretName) referenced.set(volume.secret.secretName, ref(object));
  }
  for (const ingress of objects.filter((object) => object.kind === 'Ingress')) {
    for (const tls of (ingress['spec'] as { tls?: { secretName?: string }[] }).tls ?? []) {
      if (tls.secretName) referenced.set(tls.secretName, ref(ingress));
    }
  }
  return [...referenced]
    .filter(([name]) => !find(objects, 'Secret', name) && !externalSecrets.includes(name))
    .map(([name, where]) => `${where}: Secret ${name} is neither rendered nor one of the documented external Secrets`);
};

/** `name:tag` or `name@sha256:…`; the tag, or undefined when there is none. */
export function imageTag(image: string): string | undefined {
  if (image.includes('@')) return image.slice(image.indexOf('@'));
  const lastPart = image.slice(image.lastIndexOf('/') + 1);
  return lastPart.includes(':') ? lastPart.slice(lastPart.indexOf(':') + 1) : undefined;
}

export const imagesPinned: Rule = (objects, { production }) => [
  ...containers(objects).flatMap(({ container, where }) => {
    const tag = imageTag(container.image ?? '');
    if (!tag) return [`${where}: image ${container.image} has no tag`];
    if (production && tag === 'latest') return [`${where}: production image ${container.image} is :latest`];
    return [];
  }),
  // Images the apps start themselves (the sidecar) are configuration.
  ...(production
    ? objects
        .filter((object) => object.kind === 'ConfigMap')
        .flatMap((configMap) =>
          Object.entries((configMap['data'] ?? {}) as Record<string, string>)
            .filter(([key, value]) => key.endsWith('_IMAGE') && (imageTag(value) ?? 'latest') === 'latest')
            .map(([key, value]) => `${ref(configMap)}: ${key}=${value} must name a release, not :latest`),
        )
    : []),
];

const HIGHLY_AVAILABLE = ['oz-control-plane', 'oz-workspace'];

export const productionRunsTwoReplicas: Rule = (objects, { production }) =>
  production
    ? HIGHLY_AVAILABLE.flatMap((name) => {
        const deployment = find(objects, 'Deployment', name);
        if (!deployment) return [`Deployment/${name} is missing`];
        const replicas = (deployment['spec'] as { replicas?: number }).replicas;
        const autoscaler = autoscalerOf(objects, deployment);
        if (autoscaler) {
          if ((autoscaler.minReplicas ?? 1) < 2) return [`${ref(deployment)}: its HorizontalPodAutoscaler's minReplicas is below 2`];
          if (replicas !== undefined && replicas < 2) return [`${ref(deployment)}: replicas ${replicas} fights its autoscaler`];
          return [];
        }
        return (replicas ?? 1) >= 2 ? [] : [`${ref(deployment)}: ${replicas ?? 1} replica; production needs 2 or an autoscaler with minReplicas 2`];
      })
    : [];

/** The apps that own a database schema: each Deployment's schema is migrated by a Job, never at its start. */
const MIGRATING_APPS = ['oz-control-plane', 'oz-workspace'];

export const migrationsRunInAJob: Rule = (objects) => {
  const problems: string[] = [];
  const jobs = workloads(objects).filter(({ object }) => object.kind === 'Job');
  for (const name of MIGRATING_APPS) {
    const app = find(objects, 'Deployment', name) ? workload(objects, 'Deployment', name).pod.containers[0] : undefined;
    if (!app) {
      problems.push(`Deployment/${name} is missing`);
      continue;
    }
    if (effectiveEnv(objects, app).get('OZ_MIGRATE_ON_START') !== 'false') {
      problems.push(`Deployment/${name}: OZ_MIGRATE_ON_START must be false (the migration Job migrates)`);
    }
    // The Job's container that migrates with this app's image and this app's configuration.
    const migrating = jobs.flatMap(({ object, pod }) =>
      pod.containers.filter((container) => container.args?.[0] === 'migrate' && container.image === app.image).map((container) => ({ object, pod, container })),
    );
    const found = migrating[0];
    if (!found) {
      problems.push(`no Job runs \`migrate\` with ${name}'s image ${app.image}`);
      continue;
    }
    const sources = (container: IContainer) => JSON.stringify(container.envFrom ?? []);
    if (sources(found.container) !== sources(app)) problems.push(`${ref(found.object)}: migrates ${name} with a configuration other than its own (envFrom)`);
    if (found.pod.restartPolicy !== 'Never' && found.pod.restartPolicy !== 'OnFailure') problems.push(`${ref(found.object)}: restartPolicy must be Never or OnFailure`);
  }
  return problems;
};

/** Seconds a worker gets to stop its task containers and report them before it is killed. */
export const WORKER_MIN_GRACE_SECONDS = 120;

export const workersHandTasksBack: Rule = (objects) => {
  const worker = workloads(objects).find(({ object }) => object.kind === 'Deployment' && object.metadata.name === 'oz-worker');
  if (!worker) return ['Deployment/oz-worker is missing'];
  const problems: string[] = [];
  if ((worker.pod.terminationGracePeriodSeconds ?? 30) < WORKER_MIN_GRACE_SECONDS) {
    problems.push(`Deployment/oz-worker: terminationGracePeriodSeconds below ${WORKER_MIN_GRACE_SECONDS}`);
  }
  const container = worker.pod.containers.find((candidate) => candidate.name === 'worker');
  if (!container) return [...problems, 'Deployment/oz-worker: no container named worker'];
  const dockerHost = effectiveEnv(objects, container).get('DOCKER_HOST') ?? 'unix:///var/run/docker.sock';
  const socketPath = dockerHost.startsWith('unix://') ? dockerHost.slice('unix://'.length) : undefined;
  if (!socketPath) return [...problems, `Deployment/oz-worker: DOCKER_HOST ${dockerHost} is not a Unix socket shared in the pod`];
  const mount = container.volumeMounts?.find((volumeMount) => socketPath.startsWith(`${volumeMount.mountPath.replace(/\/$/, '')}/`) || socketPath === volumeMount.mountPath);
  const volume = worker.pod.volumes?.find((candidate) => candidate.name === mount?.name);
  if (!volume) return [...problems, `Deployment/oz-worker: nothing provides the Docker socket ${socketPath}`];
  if (volume.hostPath) return problems;
  const engine = (worker.pod.initContainers ?? []).find(
    (sidecar) => sidecar.restartPolicy === 'Always' && sidecar.volumeMounts?.some((volumeMount) => volumeMount.name === volume.name),
  );
  if (!engine) problems.push(`Deployment/oz-worker: no Docker-in-Docker sidecar (restartPolicy: Always) serves ${socketPath}`);
  else if (!engine.args?.includes(`--host=${dockerHost}`)) problems.push(`Deployment/oz-worker: the ${engine.name} sidecar does not listen on ${dockerHost}`);
  return problems;
};

interface ServicePort {
  name?: string;
  port: number;
  targetPort?: string | number;
}

export const servicesAndIngressesResolve: Rule = (objects) => {
  const problems: string[] = [];
  for (const service of objects.filter((object) => object.kind === 'Service')) {
    const spec = service['spec'] as { selector?: Record<string, string>; ports?: ServicePort[] };
    const backends = workloads(objects).filter(({ template }) => selects(spec.selector, template.metadata?.labels));
    if (backends.length === 0) problems.push(`${ref(service)}: selects no pods`);
    for (const port of spec.ports ?? []) {
      const target = port.targetPort ?? port.port;
      const served = backends.some(({ pod }) => pod.containers.some((container) => container.ports?.some((p) => p.name === target || p.containerPort === target)));
      if (backends.length && !served) problems.push(`${ref(service)}: no selected container has port ${target}`);
    }
  }
  for (const ingress of objects.filter((object) => object.kind === 'Ingress')) {
    const rules = (ingress['spec'] as { rules?: { http?: { paths: { backend: { service?: { name: string; port: { name?: string; number?: number } } } }[] } }[] }).rules ?? [];
    for (const backend of rules.flatMap((rule) => rule.http?.paths ?? []).map((path) => path.backend.service)) {
      if (!backend) continue;
      const service = find(objects, 'Service', backend.name);
      const ports = ((service?.['spec'] as { ports?: ServicePort[] } | undefined)?.ports ?? []);
      if (!service) problems.push(`${ref(ingress)}: backend Service ${backend.name} does not exist`);
      else if (!ports.some((port) => port.name === backend.port.name || port.port === backend.port.number)) {
        problems.push(`${ref(ingress)}: Service ${backend.name} has no port ${backend.port.name ?? backend.port.number}`);
      }
    }
  }
  return problems;
};

interface PolicySpec {
  podSelector?: { matchLabels?: Record<string, string> };
  policyTypes?: string[];
  ingress?: { ports?: { port?: string | number }[] }[];
}

export const networkPoliciesCoverEveryPod: Rule = (objects) => {
  const policies = objects.filter((object) => object.kind === 'NetworkPolicy').map((object) => ({ object, spec: object['spec'] as PolicySpec }));
  const problems: string[] = [];
  const denyAll = policies.some(({ spec }) => Object.keys(spec.podSelector?.matchLabels ?? {}).length === 0 && spec.policyTypes?.includes('Ingress') && !spec.ingress?.length);
  if (!denyAll) problems.push('no default-deny NetworkPolicy (podSelector {}, policyTypes [Ingress], no rules)');
  for (const { object, template, pod } of workloads(objects)) {
    if (object.kind === 'Job') continue; // serves nothing
    const allowing = policies.filter(({ spec }) => spec.ingress?.length && Object.keys(spec.podSelector?.matchLabels ?? {}).length > 0 && selects(spec.podSelector?.matchLabels, template.metadata?.labels));
    if (allowing.length === 0) problems.push(`${ref(object)}: no NetworkPolicy states who may reach its pods`);
    const ports = pod.containers.flatMap((container) => container.ports ?? []);
    for (const { object: policy, spec } of allowing) {
      for (const port of (spec.ingress ?? []).flatMap((rule) => rule.ports ?? [])) {
        if (port.port !== undefined && !ports.some((p) => p.name === port.port || p.containerPort === port.port)) {
          problems.push(`${ref(policy)}: allows port ${port.port}, which ${ref(object)} does not have`);
        }
      }
    }
  }
  return problems;
};

export const productionIngressHasTls: Rule = (objects, { production }) =>
  production
    ? objects
        .filter((object) => object.kind === 'Ingress')
        .flatMap((ingress) => {
          const spec = ingress['spec'] as { rules?: { host?: string }[]; tls?: { hosts?: string[] }[] };
          const covered = new Set((spec.tls ?? []).flatMap((tls) => tls.hosts ?? []));
          return (spec.rules ?? []).filter((rule) => !rule.host || !covered.has(rule.host)).map((rule) => `${ref(ingress)}: host ${rule.host ?? '(any)'} has no TLS`);
        })
    : [];

export const RULES: Record<string, Rule> = {
  'HTTP apps probe /health (readiness and liveness)': httpAppsProbeHealth,
  'long-running containers have a liveness probe': longRunningContainersHaveLiveness,
  'containers behind a Service have a readiness probe': serviceBackendsHaveReadiness,
  'containers request and limit CPU and memory': resourcesRequestedAndLimited,
  'containers run non-root, unprivileged, read-only, with no capabilities': containersHardened,
  'read-only containers get an emptyDir at /tmp': readOnlyRootHasTmp,
  'pods mount no service account token': noServiceAccountTokens,
  'Deployments have a PodDisruptionBudget that allows evictions': deploymentsHaveDisruptionBudgets,
  'secrets never appear as literal env values or in ConfigMaps': noLiteralSecrets,
  'rendered Secrets are placeholders (none in production)': secretsArePlaceholders,
  'every referenced Secret is rendered or documented as external': secretReferencesResolve,
  'images are pinned (never :latest in production)': imagesPinned,
  'production runs two replicas of the control plane and the workspace': productionRunsTwoReplicas,
  'migrations run in a Job; the apps do not migrate at start': migrationsRunInAJob,
  'workers get time to hand tasks back and a Docker engine': workersHandTasksBack,
  'Services and Ingress backends resolve to pods and ports': servicesAndIngressesResolve,
  'NetworkPolicies deny by default and cover every pod': networkPoliciesCoverEveryPod,
  'production Ingress hosts have TLS': productionIngressHasTls,
};

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { load, loadAll } from 'js-yaml';
import { repoPath } from './lib/commands';
import { documentedVariables } from './lib/documented-variables';
import { clone, containers, find, findOrThrow, ref, workload, type K8sObject } from './lib/k8s-objects';
import { RULES, type RuleOptions } from './lib/k8s-rules';
import { schemaProblems } from './lib/k8s-schema';
import { renderComposition, renderKustomization } from './lib/kustomize';

/** The Secrets production expects the cluster to hold (k8s/README.md, Secrets). */
const PRODUCTION_SECRETS = ['oz-control-plane', 'oz-workspace', 'oz-worker', 'oz-tls'];
const APP_IMAGE = /^oz-(control-plane|workspace|worker)(:|@|$)/;
/** The apps' generated ConfigMaps (with kustomize's hash suffix). */
const APP_CONFIG = /^oz-(control-plane|workspace|worker)(-[a-z0-9]{10})?$/;
const DEV: RuleOptions = { production: false, externalSecrets: [] };
const PRODUCTION: RuleOptions = { production: true, externalSecrets: PRODUCTION_SECRETS };

interface Root {
  name: string;
  render: () => K8sObject[];
  options: RuleOptions;
  /** Rules that do not apply, with the reason. */
  skip?: Record<string, string>;
}

const ROOTS: Root[] = [
  {
    name: 'base',
    render: () => renderKustomization('k8s/base'),
    options: { production: false, externalSecrets: ['oz-control-plane', 'oz-workspace', 'oz-worker'] },
    skip: { 'images are pinned (never :latest in production)': 'overlays choose the tags' },
  },
  { name: 'overlays/dev', render: () => renderKustomization('k8s/overlays/dev'), options: DEV },
  { name: 'overlays/production', render: () => renderKustomization('k8s/overlays/production'), options: PRODUCTION },
  {
    name: 'overlays/production + components/worker-host-docker',
    render: () => renderComposition(['k8s/overlays/production'], ['k8s/components/worker-host-docker']),
    options: PRODUCTION,
  },
  {
    name: 'overlays/production + monitoring',
    render: () => renderComposition(['k8s/overlays/production'], ['k8s/monitoring']),
    options: PRODUCTION,
  },
];

const rendered = new Map<string, K8sObject[]>();
const objectsOf = (root: Root): K8sObject[] => {
  let objects = rendered.get(root.name);
  if (!objects) {
    objects = root.render();
    rendered.set(root.name, objects);
  }
  return objects;
};

describe.each(ROOTS)('k8s/$name', (root) => {
  it('renders with kubectl kustomize', () => {
    expect(objectsOf(root).length).toBeGreaterThan(10);
  });

  it('matches the Kubernetes schema of every kind it renders', () => {
    expect(objectsOf(root).flatMap(schemaProblems)).toEqual([]);
  });

  it('sets only variables the apps read', () => {
    const known = documentedVariables();
    const fromEnv = containers(objectsOf(root))
      .filter(({ container }) => APP_IMAGE.test(container.image ?? ''))
      .flatMap(({ container, where }) => (container.env ?? []).map((variable) => ({ name: variable.name, where })));
    const fromConfigMaps = objectsOf(root)
      .filter((object) => object.kind === 'ConfigMap' && APP_CONFIG.test(object.metadata.name))
      .flatMap((configMap) => Object.keys((configMap['data'] ?? {}) as object).map((name) => ({ name, where: ref(configMap) })));
    expect([...fromEnv, ...fromConfigMaps].filter(({ name }) => !known.has(name)).map(({ name, where }) => `${where}: ${name}`)).toEqual([]);
  });

  it.each(Object.keys(RULES))('keeps the rule: %s', (name) => {
    if (root.skip?.[name]) return;
    const rule = RULES[name];
    if (!rule) throw new Error(`no rule ${name}`);
    expect(rule(objectsOf(root), root.options)).toEqual([]);
  });
});

describe('every kustomization under k8s/', () => {
  it('is rendered by a test above (roots directly, components on top of production)', () => {
    const covered = new Set(['k8s/base', 'k8s/overlays/dev', 'k8s/overlays/production', 'k8s/components/worker-host-docker', 'k8s/monitoring']);
    const found = kustomizationDirs(repoPath('k8s')).map((dir) => relative(repoPath(), dir));
    expect(found.filter((dir) => !covered.has(dir))).toEqual([]);
  });
});

function container(objects: readonly K8sObject[], kind: string, name: string, containerName: string) {
  const found = workload(objects, kind, name).pod.containers.find((candidate) => candidate.name === containerName);
  if (!found) throw new Error(`${kind}/${name} has no container ${containerName}`);
  return found;
}

function kustomizationDirs(dir: string): string[] {
  const here = readdirSync(dir).includes('kustomization.yaml') ? [dir] : [];
  return [
    ...here,
    ...readdirSync(dir)
      .map((entry) => join(dir, entry))
      .filter((path) => statSync(path).isDirectory())
      .flatMap(kustomizationDirs),
  ];
}

/**
 * Each rule must catch the breakage it exists for: a copy of a valid rendering is broken on
 * purpose and the rule has to report it.
 */
describe('the rules catch what they guard', () => {
  const production = () => clone(objectsOf(ROOTS[2] as Root));
  const dev = () => clone(objectsOf(ROOTS[1] as Root));
  const controlPlane = (objects: K8sObject[]) => container(objects, 'Deployment', 'oz-control-plane', 'control-plane');
  const remove = (objects: K8sObject[], kind: string, name: string) => {
    objects.splice(objects.indexOf(findOrThrow(objects, kind, name)), 1);
  };
  const configMap = (objects: K8sObject[], prefix: string) => {
    const found = objects.find((object) => object.kind === 'ConfigMap' && object.metadata.name.startsWith(prefix));
    if (!found) throw new Error(`no ConfigMap ${prefix}*`);
    return found['data'] as Record<string, string>;
  };

  const BREAKAGES: { rule: string; breakage: string; objects: () => K8sObject[]; options: RuleOptions; breakIt: (objects: K8sObject[]) => void }[] = [
    {
      rule: 'HTTP apps probe /health (readiness and liveness)',
      breakage: 'the control plane loses its readiness probe',
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) => delete controlPlane(objects).readinessProbe,
    },
    {
      rule: 'HTTP apps probe /health (readiness and liveness)',
      breakage: "the workspace's liveness probe checks another path",
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) => {
        const probe = container(objects, 'Deployment', 'oz-workspace', 'workspace').livenessProbe;
        if (probe?.httpGet) probe.httpGet.path = '/';
      },
    },
    {
      rule: 'long-running containers have a liveness probe',
      breakage: 'the worker loses its liveness probe',
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) => delete container(objects, 'Deployment', 'oz-worker', 'worker').livenessProbe,
    },
    {
      rule: 'containers behind a Service have a readiness probe',
      breakage: 'the workspace loses its readiness probe',
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) => delete container(objects, 'Deployment', 'oz-workspace', 'workspace').readinessProbe,
    },
    {
      rule: 'containers request and limit CPU and memory',
      breakage: 'the control plane has no memory limit',
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) => delete controlPlane(objects).resources?.limits?.['memory'],
    },
    {
      rule: 'containers request and limit CPU and memory',
      breakage: 'the migration requests more CPU than its limit',
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) => {
        const requests = container(objects, 'Job', 'oz-migrate', 'migrate-control-plane').resources?.requests;
        if (requests) requests['cpu'] = '3';
      },
    },
    {
      rule: 'containers run non-root, unprivileged, read-only, with no capabilities',
      breakage: 'the workspace may escalate privileges',
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) => {
        const context = container(objects, 'Deployment', 'oz-workspace', 'workspace').securityContext;
        if (context) context.allowPrivilegeEscalation = true;
      },
    },
    {
      rule: 'containers run non-root, unprivileged, read-only, with no capabilities',
      breakage: 'the control plane runs as root',
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) => {
        const pod = workload(objects, 'Deployment', 'oz-control-plane').pod;
        if (pod.securityContext) {
          pod.securityContext.runAsNonRoot = false;
          pod.securityContext.runAsUser = 0;
        }
      },
    },
    {
      rule: 'containers run non-root, unprivileged, read-only, with no capabilities',
      breakage: 'the worker container (not its Docker sidecar) turns privileged',
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) => {
        const context = container(objects, 'Deployment', 'oz-worker', 'worker').securityContext;
        if (context) context.privileged = true;
      },
    },
    {
      rule: 'read-only containers get an emptyDir at /tmp',
      breakage: 'the control plane loses its /tmp volume',
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) => {
        const mounts = controlPlane(objects).volumeMounts ?? [];
        mounts.splice(mounts.findIndex((mount) => mount.mountPath === '/tmp'), 1);
      },
    },
    {
      rule: 'pods mount no service account token',
      breakage: 'the migration pod mounts its token',
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) => delete workload(objects, 'Job', 'oz-migrate').pod.automountServiceAccountToken,
    },
    {
      rule: 'Deployments have a PodDisruptionBudget that allows evictions',
      breakage: "the workspace's budget is gone",
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) => remove(objects, 'PodDisruptionBudget', 'oz-workspace'),
    },
    {
      rule: 'Deployments have a PodDisruptionBudget that allows evictions',
      breakage: 'a budget keeps every control-plane replica available',
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) => {
        const spec = findOrThrow(objects, 'PodDisruptionBudget', 'oz-control-plane')['spec'] as Record<string, unknown>;
        delete spec['maxUnavailable'];
        spec['minAvailable'] = 2;
      },
    },
    {
      rule: 'secrets never appear as literal env values or in ConfigMaps',
      breakage: 'the admin key is written into the Deployment',
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) => controlPlane(objects).env?.push({ name: 'OZ_ADMIN_API_KEY', value: 'oz_admin_0123456789abcdef' }),
    },
    {
      rule: 'secrets never appear as literal env values or in ConfigMaps',
      breakage: 'a database URL with its password goes into a ConfigMap',
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) => {
        configMap(objects, 'oz-workspace')['PGURL'] = 'postgres://oz:hunter2@db:5432/oz';
      },
    },
    {
      rule: 'secrets never appear as literal env values or in ConfigMaps',
      breakage: 'a provider key comes from a ConfigMap',
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) =>
        controlPlane(objects).env?.push({ name: 'OZ_PROVIDER_CLAUDE_API_KEY', valueFrom: { configMapKeyRef: { name: 'providers', key: 'claude' } } }),
    },
    {
      rule: 'rendered Secrets are placeholders (none in production)',
      breakage: 'production renders a Secret',
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) => objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'oz-control-plane' }, stringData: { OZ_ADMIN_API_KEY: 'CHANGE-ME' } }),
    },
    {
      rule: 'rendered Secrets are placeholders (none in production)',
      breakage: 'a dev Secret holds a value that is not a placeholder',
      objects: dev,
      options: DEV,
      breakIt: (objects) => {
        const secret = objects.find((object) => object.kind === 'Secret' && object.metadata.name.startsWith('oz-worker'));
        if (secret) (secret['data'] as Record<string, string>)['OZ_WORKER_API_KEY'] = Buffer.from('a-real-looking-token-1234').toString('base64');
      },
    },
    {
      rule: 'every referenced Secret is rendered or documented as external',
      breakage: 'the workspace reads a Secret nobody creates',
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) => container(objects, 'Deployment', 'oz-workspace', 'workspace').envFrom?.push({ secretRef: { name: 'oz-undocumented' } }),
    },
    {
      rule: 'images are pinned (never :latest in production)',
      breakage: 'production runs the control plane from :latest',
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) => (controlPlane(objects).image = 'oz-control-plane:latest'),
    },
    {
      rule: 'images are pinned (never :latest in production)',
      breakage: 'production hands workers the sidecar image :latest',
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) => {
        configMap(objects, 'oz-control-plane')['OZ_WORKER_SIDECAR_IMAGE'] = 'oz-sidecar:latest';
      },
    },
    {
      rule: 'images are pinned (never :latest in production)',
      breakage: 'an image has no tag at all',
      objects: dev,
      options: DEV,
      breakIt: (objects) => (container(objects, 'Deployment', 'oz-worker', 'worker').image = 'oz-worker'),
    },
    {
      rule: 'production runs two replicas of the control plane and the workspace',
      breakage: "the control plane's autoscaler is gone (one replica)",
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) => remove(objects, 'HorizontalPodAutoscaler', 'oz-control-plane'),
    },
    {
      rule: 'production runs two replicas of the control plane and the workspace',
      breakage: "the workspace's autoscaler may go down to one",
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) => {
        (findOrThrow(objects, 'HorizontalPodAutoscaler', 'oz-workspace')['spec'] as { minReplicas: number }).minReplicas = 1;
      },
    },
    {
      rule: 'migrations run in a Job; the apps do not migrate at start',
      breakage: 'the control plane migrates at start again',
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) => {
        configMap(objects, 'oz-control-plane')['OZ_MIGRATE_ON_START'] = 'true';
      },
    },
    {
      rule: 'migrations run in a Job; the apps do not migrate at start',
      breakage: 'the workspace migrates at start again',
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) => {
        delete configMap(objects, 'oz-workspace')['OZ_MIGRATE_ON_START'];
      },
    },
    {
      rule: 'migrations run in a Job; the apps do not migrate at start',
      breakage: "the Job no longer migrates the workspace's schema",
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) => {
        const pod = workload(objects, 'Job', 'oz-migrate').pod;
        pod.containers = pod.containers.filter((candidate) => candidate.name !== 'migrate-workspace');
      },
    },
    {
      rule: 'migrations run in a Job; the apps do not migrate at start',
      breakage: "the workspace's schema is migrated with the control plane's configuration",
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) => {
        container(objects, 'Job', 'oz-migrate', 'migrate-workspace').envFrom = container(objects, 'Job', 'oz-migrate', 'migrate-control-plane').envFrom;
      },
    },
    {
      rule: 'migrations run in a Job; the apps do not migrate at start',
      breakage: 'the Job is gone',
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) => remove(objects, 'Job', 'oz-migrate'),
    },
    {
      rule: 'workers get time to hand tasks back and a Docker engine',
      breakage: 'workers get the default 30 s to stop',
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) => delete workload(objects, 'Deployment', 'oz-worker').pod.terminationGracePeriodSeconds,
    },
    {
      rule: 'workers get time to hand tasks back and a Docker engine',
      breakage: 'the Docker-in-Docker sidecar is gone',
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) => (workload(objects, 'Deployment', 'oz-worker').pod.initContainers = []),
    },
    {
      rule: 'Services and Ingress backends resolve to pods and ports',
      breakage: 'the Ingress points at a Service that does not exist',
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) => {
        const spec = findOrThrow(objects, 'Ingress', 'oz')['spec'] as { rules: { http: { paths: { backend: { service: { name: string } } }[] } }[] };
        const path = spec.rules[0]?.http.paths[0];
        if (path) path.backend.service.name = 'oz-web';
      },
    },
    {
      rule: 'Services and Ingress backends resolve to pods and ports',
      breakage: "the control plane's Service targets a port no container has",
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) => {
        const ports = (findOrThrow(objects, 'Service', 'oz-control-plane')['spec'] as { ports: { targetPort: string }[] }).ports;
        if (ports[0]) ports[0].targetPort = 'https';
      },
    },
    {
      rule: 'NetworkPolicies deny by default and cover every pod',
      breakage: 'the default deny is gone',
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) => remove(objects, 'NetworkPolicy', 'oz-default-deny-ingress'),
    },
    {
      rule: 'NetworkPolicies deny by default and cover every pod',
      breakage: 'no policy says who may reach the workspace',
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) => remove(objects, 'NetworkPolicy', 'oz-workspace'),
    },
    {
      rule: 'production Ingress hosts have TLS',
      breakage: 'the Ingress loses its certificate',
      objects: production,
      options: PRODUCTION,
      breakIt: (objects) => delete (findOrThrow(objects, 'Ingress', 'oz')['spec'] as Record<string, unknown>)['tls'],
    },
  ];

  it('has at least one breakage for every rule', () => {
    const tested = new Set(BREAKAGES.map(({ rule }) => rule));
    expect(Object.keys(RULES).filter((rule) => !tested.has(rule))).toEqual([]);
  });

  it.each(BREAKAGES)('$rule: reports it when $breakage', ({ rule, objects, options, breakIt }) => {
    const check = RULES[rule];
    if (!check) throw new Error(`no rule ${rule}`);
    const broken = objects();
    expect(check(broken, options)).toEqual([]);
    breakIt(broken);
    expect(check(broken, options).length).toBeGreaterThan(0);
  });
});

describe('k8s/overlays/production/secrets.example.yaml', () => {
  const examples = () =>
    loadAll(readFileSync(repoPath('k8s/overlays/production/secrets.example.yaml'), 'utf8')).filter(Boolean) as K8sObject[];

  it('is valid Secrets holding placeholders only, never applied by the overlay', () => {
    expect(examples().flatMap(schemaProblems)).toEqual([]);
    expect(examples().map((secret) => secret.kind)).toEqual(['Secret', 'Secret', 'Secret']);
    for (const secret of examples()) {
      for (const [key, value] of Object.entries(secret['stringData'] as Record<string, string>)) {
        expect(`${key}=${value}`).toContain('CHANGE-ME');
      }
    }
    const kustomization = load(readFileSync(repoPath('k8s/overlays/production/kustomization.yaml'), 'utf8'));
    expect(JSON.stringify(kustomization)).not.toContain('secrets.example.yaml');
  });

  it('lists every key the dev overlay gives the apps', () => {
    const devObjects = objectsOf(ROOTS[1] as Root);
    for (const name of ['oz-control-plane', 'oz-workspace', 'oz-worker']) {
      const devSecret = devObjects.find((object) => object.kind === 'Secret' && object.metadata.name.startsWith(`${name}-`));
      const example = examples().find((secret) => secret.metadata.name === name);
      expect(example).toBeDefined();
      expect(Object.keys((devSecret?.['data'] ?? {}) as object).filter((key) => !(key in (example?.['stringData'] as object)))).toEqual([]);
    }
  });
});

describe('the dev overlay', () => {
  const objects = () => objectsOf(ROOTS[1] as Root);
  const secret = (name: string): Record<string, string> => {
    const found = objects().find((object) => object.kind === 'Secret' && object.metadata.name.startsWith(`${name}-`));
    return Object.fromEntries(Object.entries((found?.['data'] ?? {}) as Record<string, string>).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
  };
  const config = (name: string): Record<string, string> =>
    (objects().find((object) => object.kind === 'ConfigMap' && object.metadata.name.startsWith(`${name}-`))?.['data'] ?? {}) as Record<string, string>;

  it('connects the workers with a token bound to their pool id, never a shared worker token', () => {
    const workerId = config('oz-worker')['OZ_WORKER_ID'];
    expect(workerId).toBe('oz-worker');
    expect(secret('oz-control-plane')['OZ_WORKER_TOKENS']).toBe(`${workerId}=${secret('oz-worker')['OZ_WORKER_API_KEY']}`);
    expect(secret('oz-worker')['OZ_WORKER_API_KEY']).not.toBe(secret('oz-control-plane')['OZ_ADMIN_API_KEY']);
    expect(objects().filter((object) => JSON.stringify(object).includes('"OZ_WORKER_TOKEN"')).map(ref)).toEqual([]);
    // Fixed, not the pod's name: a token is bound to an id known before the pod exists.
    expect(container(objects(), 'Deployment', 'oz-worker', 'worker').env?.find((variable) => variable.name === 'OZ_WORKER_ID')).toBeUndefined();
  });

  it('gives the workspace the admin key (it registers each user’s tenant) and a secrets key of its own', () => {
    expect(secret('oz-workspace')['OZ_API_KEY']).toBe(secret('oz-control-plane')['OZ_ADMIN_API_KEY']);
    expect(secret('oz-workspace')['OZ_SECRETS_KEY']).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(secret('oz-workspace')['OZ_SECRETS_KEY']).not.toBe(secret('oz-control-plane')['OZ_SECRETS_KEY']);
    expect(config('oz-workspace')['OZ_TRUST_PROXY']).toBe('1');
  });

  it('tells task containers where the control plane is, and lets workers use ws:// to it inside the cluster', () => {
    expect(config('oz-control-plane')['OZ_PUBLIC_URL']).toBe('http://oz-control-plane:8080');
    expect(config('oz-worker')).toMatchObject({ OZ_CONTROL_PLANE_URL: 'http://oz-control-plane:8080', OZ_ALLOW_INSECURE_WS: 'true' });
  });

  it('runs its own PostgreSQL and Redis, reachable by the apps that need them only', () => {
    const objects = objectsOf(ROOTS[1] as Root);
    expect(find(objects, 'StatefulSet', 'oz-postgres')).toBeDefined();
    expect(find(objects, 'StatefulSet', 'oz-redis')).toBeDefined();
    const redisPolicy = findOrThrow(objects, 'NetworkPolicy', 'oz-redis')['spec'] as { ingress: { from: { podSelector: { matchLabels: Record<string, string> } }[] }[] };
    expect(redisPolicy.ingress.flatMap((rule) => rule.from.map((peer) => peer.podSelector.matchLabels['app.kubernetes.io/name']))).toEqual(['oz-workspace']);
  });
});

describe('deploying production in two steps (k8s/README.md)', () => {
  const APPS = ['control-plane', 'workspace', 'worker'];
  it("applies the migration Job and everything it needs without the apps, then the apps", () => {
    const objects = objectsOf(ROOTS[2] as Root);
    // kubectl apply -l 'app.kubernetes.io/component notin (control-plane,workspace,worker)'
    const firstStep = objects.filter((object) => !APPS.includes(object.metadata.labels?.['app.kubernetes.io/component'] ?? ''));
    expect(firstStep.filter((object) => object.kind === 'Deployment')).toEqual([]);
    const job = workload(firstStep, 'Job', 'oz-migrate');
    expect(find(firstStep, 'ServiceAccount', job.pod.serviceAccountName ?? 'default')).toBeDefined();
    for (const source of job.pod.containers.flatMap((container) => container.envFrom ?? [])) {
      if (source.configMapRef?.name) expect(find(firstStep, 'ConfigMap', source.configMapRef.name)).toBeDefined();
      if (source.secretRef?.name) expect(PRODUCTION_SECRETS).toContain(source.secretRef.name);
    }
    expect(find(firstStep, 'Namespace', 'oz')).toBeDefined();
  });
});

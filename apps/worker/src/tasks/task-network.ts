import { Inject, Injectable, Logger } from '@nestjs/common';
import type Docker from 'dockerode';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { DOCKER, WORKER_CONFIG } from '../config/tokens';
import type { WorkerConfig } from '../config/worker.config';

const run = promisify(execFile);

/** Docker's own network modes: used as they are. */
const DOCKER_MODES = ['none', 'bridge', 'host', 'default'];
export const MANAGED_BY_LABEL = 'oz.managed-by';
export const MANAGED_BY = 'oz-worker';
const BRIDGE_NAME_OPTION = 'com.docker.network.bridge.name';

/** The bridge interface of a network the worker makes: short (Linux allows 15 characters) and the same on every start. */
export function bridgeInterfaceOf(network: string): string {
  return `oz-${createHash('sha256').update(network).digest('hex').slice(0, 10)}`;
}

/**
 * The iptables rules that keep tasks on the bridge `iface` away from the cloud metadata service (and
 * the rest of link-local 169.254.0.0/16, routed through the host: the FORWARD path, DOCKER-USER) and
 * from every service of the host itself (any of its addresses, the bridge's gateway included: the
 * INPUT path) but `hostPorts`. Tasks still reach the internet and other hosts. In the order they are
 * installed, each inserted first in its chain: the port exceptions end up above the drop.
 */
export function taskFirewallRules(iface: string, hostPorts: readonly number[] = []): string[][] {
  return [
    ['DOCKER-USER', '-i', iface, '-d', '169.254.0.0/16', '-m', 'comment', '--comment', 'oz-tasks: no cloud metadata', '-j', 'DROP'],
    ['INPUT', '-i', iface, '-m', 'comment', '--comment', 'oz-tasks: no host services', '-j', 'DROP'],
    ...hostPorts.map((port) => ['INPUT', '-i', iface, '-p', 'tcp', '--dport', String(port), '-m', 'comment', '--comment', `oz-tasks: host port ${port}`, '-j', 'ACCEPT']),
  ];
}

/** The task network could not be made: the worker cannot run tasks as configured. */
export class TaskNetworkError extends Error {}

/**
 * The network task containers join (OZ_TASK_NETWORK). Docker's modes and networks someone else made
 * are used as they are. A name that does not exist is created as a bridge with traffic between its
 * containers off, labelled as the worker's, and the worker installs taskFirewallRules for it when it
 * can (root with iptables in the host's network namespace); otherwise it says so, with the rules to
 * add by hand. Rules are checked before they are added, so restarts and several workers on one host
 * add each once (a port dropped from OZ_TASK_NETWORK_HOST_PORTS keeps its rule until removed by hand).
 */
@Injectable()
export class TaskNetwork {
  private readonly logger = new Logger('network');

  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(DOCKER) private readonly docker: Docker,
  ) {}

  async prepare(): Promise<void> {
    const name = this.config.task.network;
    if (DOCKER_MODES.includes(name) || name.startsWith('container:')) return;
    const network = (await this.inspect(name)) ?? (await this.create(name));
    if (network.Labels?.[MANAGED_BY_LABEL] !== MANAGED_BY) return;
    const iface = network.Options?.[BRIDGE_NAME_OPTION];
    if (iface) await this.installFirewall(name, iface);
  }

  private async create(name: string): Promise<Docker.NetworkInspectInfo> {
    try {
      await this.docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        CheckDuplicate: true,
        Labels: { [MANAGED_BY_LABEL]: MANAGED_BY },
        Options: { [BRIDGE_NAME_OPTION]: bridgeInterfaceOf(name), 'com.docker.network.bridge.enable_icc': 'false' },
      });
      this.logger.log({ network: name, bridge: bridgeInterfaceOf(name) }, 'network.created');
    } catch (error) {
      // Another worker on this host may have made it meanwhile.
      const made = await this.inspect(name);
      if (made) return made;
      throw new TaskNetworkError(`Could not create the task network ${name} (OZ_TASK_NETWORK): ${(error as Error).message}`);
    }
    const made = await this.inspect(name);
    if (!made) throw new TaskNetworkError(`The task network ${name} (OZ_TASK_NETWORK) vanished right after it was created`);
    return made;
  }

  private async inspect(name: string): Promise<Docker.NetworkInspectInfo | null> {
    try {
      return (await this.docker.getNetwork(name).inspect()) as Docker.NetworkInspectInfo;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return null;
      throw new TaskNetworkError(`Could not look up the task network ${name} (OZ_TASK_NETWORK): ${(error as Error).message}`);
    }
  }

  private async installFirewall(network: string, iface: string): Promise<void> {
    const rules = taskFirewallRules(iface, this.config.task.hostPorts);
    try {
      for (const [chain, ...spec] of rules) {
        const present = await run('iptables', ['-w', '-C', chain as string, ...spec]).then(
          () => true,
          () => false,
        );
        if (!present) await run('iptables', ['-w', '-I', chain as string, '1', ...spec]);
      }
      this.logger.log({ network, bridge: iface }, 'network.firewalled');
    } catch (error) {
      this.logger.warn(
        {
          network,
          err: (error as Error).message,
          exposed: 'tasks can reach the cloud metadata address and this host until these rules are added (as root)',
          add: rules.map(([chain, ...spec]) => `iptables -I ${chain} 1 ${spec.map((part) => (part.includes(' ') ? `"${part}"` : part)).join(' ')}`),
        },
        'network.firewall_unavailable',
      );
    }
  }
}

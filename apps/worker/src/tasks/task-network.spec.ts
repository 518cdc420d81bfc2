import { bridgeInterfaceOf, taskFirewallRules } from './task-network';

describe('the task network', () => {
  it('names its bridge within the 15 characters Linux allows, the same on every start', () => {
    expect(bridgeInterfaceOf('oz-tasks')).toMatch(/^oz-[0-9a-f]{10}$/);
    expect(bridgeInterfaceOf('oz-tasks')).toBe(bridgeInterfaceOf('oz-tasks'));
    expect(bridgeInterfaceOf('other')).not.toBe(bridgeInterfaceOf('oz-tasks'));
  });

  it('lets tasks reach the host ports it is told to, those rules going in after (so above) the drop', () => {
    expect(taskFirewallRules('oz-abc', [8080]).slice(1)).toEqual([
      ['INPUT', '-i', 'oz-abc', '-m', 'comment', '--comment', 'oz-tasks: no host services', '-j', 'DROP'],
      ['INPUT', '-i', 'oz-abc', '-p', 'tcp', '--dport', '8080', '-m', 'comment', '--comment', 'oz-tasks: host port 8080', '-j', 'ACCEPT'],
    ]);
  });

  it('drops what tasks send to link-local addresses (cloud metadata) and to the host itself', () => {
    expect(taskFirewallRules('oz-abc')).toEqual([
      ['DOCKER-USER', '-i', 'oz-abc', '-d', '169.254.0.0/16', '-m', 'comment', '--comment', 'oz-tasks: no cloud metadata', '-j', 'DROP'],
      ['INPUT', '-i', 'oz-abc', '-m', 'comment', '--comment', 'oz-tasks: no host services', '-j', 'DROP'],
    ]);
  });
});

import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from '../config/workspace.config';
import { addressKey, clientAddressOf, type TrustProxy } from '../config/trust-proxy';

/**
 * Who is on the other end of a request, as far as the limits are concerned: the TCP peer, or what
 * the trusted proxies (OZ_TRUST_PROXY) say in `X-Forwarded-For`. Fastify's own `request.ip` is left
 * at the peer (the server is built with trustProxy off) so only this one policy decides.
 */
@Injectable()
export class ClientAddress implements OnApplicationBootstrap {
  private readonly trust: TrustProxy;

  constructor(@Inject(WORKSPACE_CONFIG) config: Pick<WorkspaceConfig, 'trustProxy'>) {
    this.trust = config.trustProxy;
  }

  onApplicationBootstrap(): void {
    // Every hop trusted: any client can pick the address its logins and streams are counted under.
    if (this.trust.kind === 'all') new Logger('http').warn({ hint: 'set OZ_TRUST_PROXY to the number of proxies in front, or their addresses' }, 'trust_proxy.every_hop');
  }

  /** The client's address (IPv4, or IPv6 in lower case). */
  of(request: FastifyRequest): string {
    return clientAddressOf(this.trust, this.peer(request), headerValues(request.headers['x-forwarded-for']));
  }

  /** What limits count the client under: its address, or its IPv6 /64. */
  keyOf(request: FastifyRequest): string {
    return addressKey(this.of(request));
  }

  /**
   * The hosts the client may have asked for: `Host`, and the `X-Forwarded-Host` entries of proxies that
   * rewrite it. Good for recognising the API's own pages (accounts/origin-policy.ts), not for trusting
   * a client: a page in a browser cannot set X-Forwarded-Host on a request to another origin, but any
   * other client can. Lower case, ports kept.
   */
  hostsOf(request: FastifyRequest): string[] {
    const forwarded = headerValues(request.headers['x-forwarded-host']).flatMap((value) => value.split(','));
    return [request.headers.host ?? '', ...forwarded].map((host) => host.trim().toLowerCase()).filter(Boolean);
  }

  private peer(request: FastifyRequest): string {
    return request.raw.socket.remoteAddress ?? 'unknown';
  }
}

function headerValues(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

import { Inject, Injectable } from '@nestjs/common';
import { ApiException } from '@oz/server-kit';
import type { FastifyRequest } from 'fastify';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from '../config/workspace.config';
import { ClientAddress } from '../core/client-address';

/** Who a stream is for, besides its client address: a signed-in user, or a viewer of a share link. */
export type StreamHolder = { userId: string } | { shareId: string };

/** An open stream holds its places until it ends; call this once then. */
export type StreamRelease = () => void;

/** A stream refused for lack of room may try again later; by then others will usually have ended. */
const RETRY_SECONDS = 30;

/**
 * Caps on the event streams open on this replica at once: per user (OZ_SSE_MAX_PER_USER), per share
 * link (OZ_SSE_MAX_PER_SHARE) and per client address (OZ_SSE_MAX_PER_ADDRESS, signed in or not). Each
 * open stream costs a connection, a subscription and buffers, so nobody gets to hold them without end.
 */
@Injectable()
export class StreamLimits {
  private readonly open = new Map<string, number>();

  constructor(
    @Inject(WORKSPACE_CONFIG) private readonly config: Pick<WorkspaceConfig, 'sse'>,
    private readonly clients: ClientAddress,
  ) {}

  /** Takes a place under every cap that applies, or throws 429 saying which one is full. */
  admit(request: FastifyRequest, holder: StreamHolder | null): StreamRelease {
    const { perUser, perShare, perAddress } = this.config.sse;
    const places: { key: string; limit: number; refusal: string }[] = [
      {
        key: `address:${this.clients.keyOf(request)}`,
        limit: perAddress,
        refusal: `Your address has ${perAddress} live event streams open on this server, the most one address may hold (OZ_SSE_MAX_PER_ADDRESS); close some`,
      },
    ];
    if (holder && 'userId' in holder) {
      places.push({
        key: `user:${holder.userId}`,
        limit: perUser,
        refusal: `You have ${perUser} live event streams open on this server, the most one user may hold (OZ_SSE_MAX_PER_USER); close some tabs`,
      });
    } else if (holder) {
      places.push({
        key: `share:${holder.shareId}`,
        limit: perShare,
        refusal: `This shared room has ${perShare} live viewers on this server, the most a share link may have (OZ_SSE_MAX_PER_SHARE); try again later`,
      });
    }
    const full = places.find((place) => (this.open.get(place.key) ?? 0) >= place.limit);
    if (full) throw new ApiException(429, 'too_many_streams', full.refusal, undefined, RETRY_SECONDS);
    for (const { key } of places) this.open.set(key, (this.open.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const { key } of places) {
        const left = (this.open.get(key) ?? 1) - 1;
        if (left > 0) this.open.set(key, left);
        else this.open.delete(key);
      }
    };
  }
}

import { Injectable } from '@nestjs/common';

/**
 * Which users have their own channel (`GET /api/events/me`) open on this replica, and how many times.
 * What feeds those channels from elsewhere (the control plane's runs) asks here whom to watch.
 */
@Injectable()
export class UserChannels {
  private readonly open = new Map<string, number>();

  /** A channel opened; call the function it returns once, when it closes. */
  enter(userId: string): () => void {
    this.open.set(userId, (this.open.get(userId) ?? 0) + 1);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const remaining = (this.open.get(userId) ?? 1) - 1;
      if (remaining > 0) this.open.set(userId, remaining);
      else this.open.delete(userId);
    };
  }

  /** Users with at least one channel open here. */
  users(): string[] {
    return [...this.open.keys()];
  }

  has(userId: string): boolean {
    return this.open.has(userId);
  }
}

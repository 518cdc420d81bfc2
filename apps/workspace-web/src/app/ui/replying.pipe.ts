import { Pipe, type PipeTransform } from '@angular/core';
import type { RoomAgent } from '@oz/workspace-contract';

/** How many of a room's agents are replying now (0 when none). */
@Pipe({ name: 'replying' })
export class ReplyingPipe implements PipeTransform {
  transform(agents: readonly RoomAgent[]): number {
    return agents.filter((a) => a.status === 'running').length;
  }
}

import { Injectable } from '@nestjs/common';
import type { ArtifactInput, ArtifactView } from '@oz/workspace-contract';
import { ApiException } from '@oz/server-kit';
import { notFound } from '../common/not-found';
import { RoomEvents } from '../events/room-events';
import { RoomsService } from '../rooms/rooms.service';
import { ArtifactsRepository, type NewArtifact } from './artifacts.repository';

/** A room's artifacts: plans, documents and links people add, and the pull requests and plans runs report. */
@Injectable()
export class ArtifactsService {
  constructor(
    private readonly artifacts: ArtifactsRepository,
    private readonly rooms: RoomsService,
    private readonly events: RoomEvents,
  ) {}

  async list(userId: string, roomId: string): Promise<ArtifactView[]> {
    return this.listOf((await this.rooms.require(userId, roomId)).id);
  }

  /** The artifacts of a room already found visible (its member's or its share link's). */
  listOf(roomId: string): Promise<ArtifactView[]> {
    return this.artifacts.list(roomId);
  }

  async create(userId: string, roomId: string, input: ArtifactInput): Promise<ArtifactView> {
    const room = await this.rooms.require(userId, roomId);
    const artifact = await this.add(room.id, input);
    if (!artifact) throw ApiException.conflict(`This room already has a ${input.type} artifact for ${input.url}`);
    return artifact;
  }

  /** What a run reported; one it reported before (same type and URL) is skipped. */
  async addFromRun(roomId: string, agentId: string, runId: string, artifacts: NewArtifact[]): Promise<void> {
    for (const artifact of artifacts) await this.add(roomId, { ...artifact, agentId, runId });
  }

  async delete(userId: string, id: string): Promise<void> {
    const artifact = await this.artifacts.byId(id);
    if (!artifact || !(await this.rooms.canSee(userId, artifact.room_id)) || !(await this.artifacts.delete(artifact.id))) {
      throw notFound('Artifact', id);
    }
    await this.events.emit(artifact.room_id, 'artifact', { action: 'deleted', artifact_id: artifact.id });
  }

  /** Null when the room already has it. */
  private async add(roomId: string, input: NewArtifact): Promise<ArtifactView | null> {
    const artifact = await this.artifacts.create(roomId, input);
    if (artifact) await this.events.emit(roomId, 'artifact', { action: 'created', artifact });
    return artifact;
  }
}

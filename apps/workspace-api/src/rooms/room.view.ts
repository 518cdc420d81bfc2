import type { RoomAgent, RoomView } from '@oz/workspace-contract';

export interface RoomRow {
  id: string;
  user_id: string;
  name: string;
  description: string;
  paused: boolean;
  share_id: string | null;
  created_at: Date;
  updated_at: Date;
}

/** A member of a room with its status there, and what its teammates are told about it. */
export interface RoomAgentRow extends RoomAgent {
  room_id: string;
  system_prompt: string;
}

export function roomView(room: RoomRow, agents: RoomAgentRow[]): RoomView {
  return {
    id: room.id,
    name: room.name,
    description: room.description,
    paused: room.paused,
    share_id: room.share_id,
    agents: agents.map(({ id, name, color, icon, harness, status }) => ({ id, name, color, icon, harness, status })),
    created_at: room.created_at.toISOString(),
    updated_at: room.updated_at.toISOString(),
  };
}

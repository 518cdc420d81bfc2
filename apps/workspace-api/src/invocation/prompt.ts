import type { MessageView, TaskView } from '@oz/workspace-contract';
import type { AgentRow } from '../agents/agent.view';
import type { RoomAgentRow, RoomRow } from '../rooms/room.view';

export interface PromptContext {
  agent: AgentRow;
  room: RoomRow;
  teammates: RoomAgentRow[];
  tasks: TaskView[];
  history: MessageView[];
  request: { from: string; text: string };
  /** The agent runs in a task container with a room callback token (OZ_ROOM_API_URL, OZ_ROOM_TOKEN set): it is told about oz-room. */
  roomCallbacks?: boolean;
}

const MAX_HISTORY_MESSAGE = 4000;

/** Told to an agent in a task container with a room callback token (docker/sidecar/oz-room). */
const ROOM_CALLBACKS =
  'While you work you can post to this room with the `/agent/oz-room` command: `/agent/oz-room say "text"` posts a message, ' +
  '`/agent/oz-room task list`, `/agent/oz-room task add "title"` and `/agent/oz-room task move <id> backlog|in_progress|done` keep the board, ' +
  '`/agent/oz-room notify "text"` tells the room\'s owner; your final answer is still your reply.';
const MAX_TASKS = 50;

/**
 * What an agent is told. The system part says who it is and how to work with the room; the prompt
 * carries the room's state (teammates, board, recent history) and then the request itself.
 */
export function buildPrompt(context: PromptContext): { system: string; prompt: string } {
  const { agent, room, teammates, tasks, history, request } = context;
  const system = [
    `Your name is ${agent.name}.`,
    agent.system_prompt.trim() || 'You are a helpful assistant.',
    'You are working in a team chat room with people and other agents. Answer in Markdown. ' +
      'To ask a teammate for help, mention them by name in plain text, like @Name (not inside code).',
    ...(context.roomCallbacks ? [ROOM_CALLBACKS] : []),
  ].join('\n\n');

  const sections: string[] = [`Room: ${room.name}`];
  if (room.description.trim()) sections.push(`Room description:\n${room.description.trim()}`);
  const others = teammates.filter((t) => t.id !== agent.id);
  sections.push(
    others.length
      ? `Teammates in this room:\n${others.map((t) => `- @${t.name}${t.system_prompt.trim() ? `: ${firstLine(t.system_prompt)}` : ''}`).join('\n')}`
      : 'Teammates in this room: none besides you.',
  );
  sections.push(
    tasks.length
      ? `Tasks:\n${tasks
          .slice(0, MAX_TASKS)
          .map((t) => `- [${t.status}] ${t.title} (priority ${t.priority}${t.assignee ? `, assigned to ${t.assignee.name}` : ''})`)
          .join('\n')}`
      : 'Tasks: none yet.',
  );
  if (history.length) {
    sections.push(
      `Recent conversation:\n${history
        .map((m) => `${m.author_type === 'agent' ? (m.agent?.name ?? 'An agent') : 'User'}: ${clip(m.content, MAX_HISTORY_MESSAGE)}`)
        .join('\n')}`,
    );
  }
  sections.push(`Request from ${request.from}:\n${request.text}`);
  return { system, prompt: sections.join('\n\n') };
}

function firstLine(text: string): string {
  return clip(text.trim().split('\n')[0], 200);
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

import type { MessageDeltaEvent, MessageView } from '@oz/workspace-contract';

/** Adds a message, or replaces the one with its id where it stands. */
export function upsertMessage(messages: readonly MessageView[], message: MessageView): MessageView[] {
  const index = messages.findIndex((m) => m.id === message.id);
  if (index === -1) return [...messages, message];
  const copy = [...messages];
  copy[index] = message;
  return copy;
}

/** Puts an older page in front, skipping any message already present. */
export function prependPage(messages: readonly MessageView[], older: readonly MessageView[]): MessageView[] {
  const known = new Set(messages.map((m) => m.id));
  return [...older.filter((m) => !known.has(m.id)), ...messages];
}

/**
 * A streaming reply's text from `offset` on is now `delta`. A delta for text the message already has
 * (an event replayed after a fresh load) changes nothing; one that starts past the end (a gap) is
 * left for the final `message` event, which carries the whole text.
 */
export function applyDelta(messages: readonly MessageView[], event: MessageDeltaEvent): readonly MessageView[] {
  const index = messages.findIndex((m) => m.id === event.message_id);
  if (index === -1) return messages;
  const message = messages[index];
  if (message.status !== 'streaming') return messages;
  if (event.offset > message.content.length) return messages;
  if (message.content.startsWith(event.delta, event.offset) && message.content.length >= event.offset + event.delta.length) return messages;
  const copy = [...messages];
  copy[index] = { ...message, content: message.content.slice(0, event.offset) + event.delta };
  return copy;
}

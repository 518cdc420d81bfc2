import { MemoryEventBus } from './memory-event-bus';
import type { RoomEvent } from './event-bus';

const limits = { maxPerRoom: 1000, maxBytesPerRoom: 64 * 1024, maxReplay: 1000 };

async function subscribeFrom(bus: MemoryEventBus, from: string | null) {
  const seen: RoomEvent[] = [];
  const subscription = await bus.subscribe('room', from, (event) => seen.push(event));
  return { seen, subscription };
}

describe('MemoryEventBus', () => {
  it('keeps a room within its memory budget, dropping the oldest events and saying a replay from before them has a gap', async () => {
    const bus = new MemoryEventBus(limits);
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) ids.push(await bus.publish('room', 'message', { i, text: 'x'.repeat(1000) }));
    const { seen, subscription } = await subscribeFrom(bus, ids[0]);
    // About 2 KiB each (JSON and frame): some 30 of 200 fit in 64 KiB; the newest are the ones kept.
    expect(seen.length).toBeGreaterThan(20);
    expect(seen.length).toBeLessThan(40);
    expect(seen.map((e) => e.id)).toEqual(ids.slice(-seen.length));
    expect(subscription.gap).toBe(true);
    // Another room has its own budget.
    await bus.publish('other', 'message', { text: 'y' });
    expect((await subscribeFrom(bus, '0-0')).seen).toHaveLength(seen.length);
  });

  it('always keeps the newest event, however large', async () => {
    const bus = new MemoryEventBus({ ...limits, maxBytesPerRoom: 1024 });
    await bus.publish('room', 'message', { text: 'a'.repeat(5000) });
    const last = await bus.publish('room', 'message', { text: 'b'.repeat(5000) });
    const { seen, subscription } = await subscribeFrom(bus, '0-0');
    expect(seen.map((e) => e.id)).toEqual([last]);
    expect(subscription.gap).toBe(true);
    expect(subscription.startedAt).toBe(last);
  });

  it('replays at most maxReplay events: further behind, nothing, and a gap', async () => {
    const bus = new MemoryEventBus({ ...limits, maxReplay: 3 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await bus.publish('room', 'message', { i }));
    const near = await subscribeFrom(bus, ids[1]);
    expect(near.seen.map((e) => e.id)).toEqual(ids.slice(2));
    expect(near.subscription.gap).toBe(false);
    const far = await subscribeFrom(bus, ids[0]);
    expect(far.seen).toEqual([]);
    expect(far.subscription.gap).toBe(true);
    // Live events still arrive after a gap.
    const next = await bus.publish('room', 'message', { i: 5 });
    expect(far.seen.map((e) => e.id)).toEqual([next]);
  });
});

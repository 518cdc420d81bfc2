import { Logger } from '@nestjs/common';
import type Docker from 'dockerode';
import { Duplex, PassThrough, Readable, type Writable } from 'node:stream';
import { sidecarVolumeName, SidecarVolumes } from './sidecar-volumes';
import { TaskSetupError } from './task-errors';

const IMAGE_ID = 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const VOLUME = 'oz-agent-registry.local-oz-sidecar-0123456789ab';
const FILLER = `${VOLUME}-fill`;
const IMAGE = 'registry.local/oz-sidecar:1.0';

type State = { Status: 'created' | 'running' | 'exited'; Running: boolean; ExitCode: number };

/** A container of the fake engine: the untar one records what it is fed, the source one exports. */
class FakeContainer {
  readonly received: Buffer[] = [];
  stdinEnded = false;
  removed = false;
  state: State = { Status: 'created', Running: false, ExitCode: 0 };
  private readonly out = new PassThrough();
  private finish: () => void = () => undefined;
  private readonly finished = new Promise<void>((resolve) => (this.finish = resolve));
  readonly modem = { demuxStream: (stream: Readable, stdout: Writable) => stream.pipe(stdout) };

  constructor(
    readonly options: Docker.ContainerCreateOptions,
    private readonly engine: FakeEngine,
  ) {}

  async attach(): Promise<NodeJS.ReadWriteStream> {
    // Writes are tar's stdin; reads are its output, which ends when it exits.
    const stdin = new PassThrough();
    stdin.on('data', (chunk: Buffer) => this.received.push(chunk));
    stdin.on('end', () => {
      this.stdinEnded = true;
      this.state = { Status: 'exited', Running: false, ExitCode: this.engine.untarExitCode };
      if (this.engine.untarExitCode !== 0) this.out.write('tar: short read\n');
      this.out.end();
      this.finish();
    });
    return Duplex.from({ writable: stdin, readable: this.out });
  }

  async start(): Promise<void> {
    this.state = { Status: 'running', Running: true, ExitCode: 0 };
  }

  async export(): Promise<Readable> {
    return Readable.from([Buffer.from('tar-part-1 '), Buffer.from('tar-part-2')]);
  }

  async wait(): Promise<{ StatusCode: number }> {
    if (this.state.Status === 'running') await this.finished;
    return { StatusCode: this.state.ExitCode };
  }

  async inspect(): Promise<{ State: State }> {
    if (this.removed) throw Object.assign(new Error('no such container'), { statusCode: 404 });
    return { State: this.state };
  }

  async remove(): Promise<void> {
    this.removed = true;
    this.engine.named.delete(String(this.options.name));
  }

  /** Another worker's fill that is under way: it ends when the test says so. */
  runUntil(exitCode: number): () => void {
    this.state = { Status: 'running', Running: true, ExitCode: 0 };
    return () => {
      this.state = { Status: 'exited', Running: false, ExitCode: exitCode };
      this.finish();
    };
  }
}

class FakeEngine {
  readonly created: FakeContainer[] = [];
  readonly named = new Map<string, FakeContainer>();
  readonly volumes = new Set<string>();
  readonly removedVolumes: string[] = [];
  imageInspections = 0;
  untarExitCode = 0;
  /** Runs before a create; may throw (e.g. a 409 when another worker got there first). */
  beforeCreate: (options: Docker.ContainerCreateOptions) => void = () => undefined;

  getImage(name: string) {
    return {
      inspect: async () => {
        this.imageInspections++;
        if (name !== IMAGE && name !== 'oz-sidecar:other-tag') throw Object.assign(new Error(`no such image: ${name}`), { statusCode: 404 });
        return { Id: IMAGE_ID };
      },
    };
  }

  async createContainer(options: Docker.ContainerCreateOptions): Promise<FakeContainer> {
    this.beforeCreate(options);
    if (options.name && this.named.has(options.name)) throw Object.assign(new Error('Conflict'), { statusCode: 409 });
    const container = new FakeContainer(options, this);
    this.created.push(container);
    if (options.name) this.named.set(options.name, container);
    for (const mount of options.HostConfig?.Mounts ?? []) if (mount.Type === 'volume') this.volumes.add(mount.Source);
    return container;
  }

  getContainer(name: string) {
    const container = this.named.get(name);
    if (container) return container;
    const missing = () => Promise.reject(Object.assign(new Error('no such container'), { statusCode: 404 }));
    return { inspect: missing, wait: missing, remove: missing };
  }

  getVolume(name: string) {
    return {
      inspect: async () => {
        if (!this.volumes.has(name)) throw Object.assign(new Error('no such volume'), { statusCode: 404 });
        return { Name: name };
      },
      remove: async () => {
        this.volumes.delete(name);
        this.removedVolumes.push(name);
      },
    };
  }

  /** A fill container left by another worker. */
  leftover(state: State): FakeContainer {
    const container = new FakeContainer({ name: FILLER }, this);
    container.state = state;
    this.named.set(FILLER, container);
    this.volumes.add(VOLUME);
    return container;
  }
}

function setUp() {
  const engine = new FakeEngine();
  return { engine, volumes: new SidecarVolumes(engine as unknown as Docker) };
}

beforeAll(() => Logger.overrideLogger(false));

describe('sidecar volumes', () => {
  it('fills a new volume the official way: a container of the image exported, untarred by the image itself as root', async () => {
    const { engine, volumes } = setUp();
    expect(await volumes.volumeFor(IMAGE)).toBe(VOLUME);

    const [untar, source] = engine.created;
    expect(untar?.options).toMatchObject({
      name: FILLER,
      Image: IMAGE_ID,
      User: 'root',
      Entrypoint: ['/bin/sh', '-c'],
      Cmd: ['tar -x -C /target'],
      OpenStdin: true,
      StdinOnce: true,
      HostConfig: {
        NetworkMode: 'none',
        Mounts: [{ Type: 'volume', Source: VOLUME, Target: '/target', VolumeOptions: { NoCopy: true, Labels: { 'oz.sidecar-image': IMAGE, 'oz.sidecar-image-id': IMAGE_ID } } }],
      },
    });
    expect(source?.options).toMatchObject({ Image: IMAGE_ID, Cmd: ['true'], HostConfig: { NetworkMode: 'none' } });
    // The export went to tar's stdin whole, and its end closed tar's input.
    expect(Buffer.concat(untar?.received ?? []).toString()).toBe('tar-part-1 tar-part-2');
    expect(untar?.stdinEnded).toBe(true);
    // Both helpers are gone; the volume stays.
    expect([untar?.removed, source?.removed]).toEqual([true, true]);
    expect(engine.volumes.has(VOLUME)).toBe(true);
  });

  it('makes each image id’s volume once, whatever tag names it', async () => {
    const { engine, volumes } = setUp();
    const [first, second] = await Promise.all([volumes.volumeFor(IMAGE), volumes.volumeFor('oz-sidecar:other-tag')]);
    expect([first, second]).toEqual([VOLUME, VOLUME]);
    expect(await volumes.volumeFor(IMAGE)).toBe(VOLUME);
    expect(engine.created).toHaveLength(2); // one untar, one source
    expect(engine.imageInspections).toBe(3); // a tag may move to another image: looked up every time
  });

  it('reuses a volume an earlier run of the worker filled', async () => {
    const { engine, volumes } = setUp();
    engine.volumes.add(VOLUME);
    expect(await volumes.volumeFor(IMAGE)).toBe(VOLUME);
    expect(engine.created).toHaveLength(0);
  });

  it('fails with sidecar_prep and tar’s words when the untar fails, removes the volume, and tries again next time', async () => {
    const { engine, volumes } = setUp();
    engine.untarExitCode = 1;
    const failure = volumes.volumeFor(IMAGE);
    await expect(failure).rejects.toBeInstanceOf(TaskSetupError);
    await expect(failure).rejects.toMatchObject({
      failureReason: 'sidecar_prep',
      message: expect.stringMatching(/^Could not prepare the sidecar registry\.local\/oz-sidecar:1\.0: untarring its export .* exited 1 \(tar: short read\); a sidecar image needs \/bin\/sh and tar/),
    });
    expect(engine.volumes.has(VOLUME)).toBe(false);
    expect(engine.named.has(FILLER)).toBe(false);

    engine.untarExitCode = 0;
    expect(await volumes.volumeFor(IMAGE)).toBe(VOLUME);
  });

  it('makes the volume again when a fill was left failed or never started (a worker died while filling)', async () => {
    for (const state of [
      { Status: 'exited', Running: false, ExitCode: 1 },
      { Status: 'created', Running: false, ExitCode: 0 },
    ] as const) {
      const { engine, volumes } = setUp();
      const leftover = engine.leftover(state);
      expect(await volumes.volumeFor(IMAGE)).toBe(VOLUME);
      expect(leftover.removed).toBe(true);
      expect(engine.removedVolumes).toEqual([VOLUME]);
      expect(engine.created).toHaveLength(2); // filled anew
    }
  });

  it('takes a volume whose fill ended well but was not cleared, and waits for a fill under way', async () => {
    const done = setUp();
    const receipt = done.engine.leftover({ Status: 'exited', Running: false, ExitCode: 0 });
    expect(await done.volumes.volumeFor(IMAGE)).toBe(VOLUME);
    expect(receipt.removed).toBe(true);
    expect(done.engine.created).toHaveLength(0);

    const busy = setUp();
    const finish = busy.engine.leftover({ Status: 'running', Running: true, ExitCode: 0 }).runUntil(0);
    const volume = busy.volumes.volumeFor(IMAGE);
    await new Promise((resolve) => setTimeout(resolve, 20));
    finish();
    expect(await volume).toBe(VOLUME);
    expect(busy.engine.created).toHaveLength(0);
  });

  it('waits for the other worker when it created the fill container first', async () => {
    const { engine, volumes } = setUp();
    let finish: () => void = () => undefined;
    engine.beforeCreate = (options) => {
      if (options.name !== FILLER) return;
      engine.beforeCreate = () => undefined;
      finish = engine.leftover({ Status: 'running', Running: true, ExitCode: 0 }).runUntil(0);
    };
    const volume = volumes.volumeFor(IMAGE);
    await new Promise((resolve) => setTimeout(resolve, 20));
    finish();
    expect(await volume).toBe(VOLUME);
    expect(engine.created).toHaveLength(0);
  });

  it('says which image is missing', async () => {
    const { volumes } = setUp();
    await expect(volumes.volumeFor('nowhere:1')).rejects.toMatchObject({ failureReason: 'sidecar_prep', message: expect.stringMatching(/^Could not prepare the sidecar nowhere:1: no such image/) });
  });
});

describe('sidecar volume names', () => {
  it('are the sanitised repository and the image id’s first 12 hex digits', () => {
    expect(sidecarVolumeName('oz-sidecar:latest', IMAGE_ID)).toBe('oz-agent-oz-sidecar-0123456789ab');
    expect(sidecarVolumeName('registry.local:5000/team/oz-sidecar@sha256:ffff', IMAGE_ID)).toBe('oz-agent-registry.local-5000-team-oz-sidecar-0123456789ab');
    expect(sidecarVolumeName('sha256:0123456789abcdef', IMAGE_ID)).toBe('oz-agent-sha256-0123456789ab');
  });
});

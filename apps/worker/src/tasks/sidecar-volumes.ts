import { Inject, Injectable, Logger } from '@nestjs/common';
import type Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import { DOCKER } from '../config/tokens';
import { TaskSetupError } from './task-errors';

/** Labels of sidecar volumes and of the containers that fill them. */
export const SIDECAR_IMAGE_LABEL = 'oz.sidecar-image';
export const SIDECAR_IMAGE_ID_LABEL = 'oz.sidecar-image-id';
/** How much of the untar's output an error message quotes. */
const MAX_ERROR_OUTPUT = 2000;

type FillState = 'none' | 'running' | 'done' | 'failed';

/**
 * Volumes holding a sidecar image's root, made the way Warp's official worker makes them: a
 * container of the image is exported (`docker export`), and the image itself untars that export into
 * the volume as root (`/bin/sh -c "tar -x -C /target"`, the tar on stdin). Task containers mount the
 * volume read-only at /agent, so the image's /entrypoint.sh is /agent/entrypoint.sh. One volume per
 * image id, made once and reused by every task, also after the worker restarts; a tag that moves to
 * a new image gets a new volume.
 *
 * The untar container is also the fill's lock and its receipt: it is removed only once it exited 0.
 * A volume whose fill container is still there was being filled by another worker on this engine
 * (waited for) or by one that died (the volume is made again).
 */
@Injectable()
export class SidecarVolumes {
  private readonly logger = new Logger('sidecar');
  /** By image id. */
  private readonly volumes = new Map<string, Promise<string>>();

  constructor(@Inject(DOCKER) private readonly docker: Docker) {}

  /** The volume's name; the image must be on this machine. */
  async volumeFor(image: string): Promise<string> {
    let id: string;
    try {
      ({ Id: id } = await this.docker.getImage(image).inspect());
    } catch (error) {
      throw new TaskSetupError('sidecar_prep', `Could not prepare the sidecar ${image}: ${(error as Error).message}`);
    }
    let volume = this.volumes.get(id);
    if (!volume) {
      volume = this.prepare(image, id);
      volume.catch(() => this.volumes.delete(id));
      this.volumes.set(id, volume);
    }
    return volume;
  }

  private async prepare(image: string, id: string): Promise<string> {
    const volume = sidecarVolumeName(image, id);
    const filler = `${volume}-fill`;
    try {
      // A few rounds: each either finds the volume ready, makes it, or clears a failed fill.
      for (let round = 0; round < 4; round++) {
        const state = await this.fillState(filler);
        if (state === 'none') {
          if (await this.exists(this.docker.getVolume(volume))) return volume;
          if (await this.fill(image, id, volume, filler)) return volume;
          continue; // another worker began the fill at the same moment
        }
        if (state === 'running') {
          await this.docker.getContainer(filler).wait().catch(() => undefined);
          continue;
        }
        await this.docker.getContainer(filler).remove({ force: true }).catch(() => undefined);
        if (state === 'done') return volume;
        this.logger.warn({ image, volume }, 'sidecar.refill');
        await this.docker.getVolume(volume).remove().catch(() => undefined);
      }
      throw new Error(`the volume ${volume} could not be filled`);
    } catch (error) {
      if (error instanceof TaskSetupError) throw error;
      throw new TaskSetupError('sidecar_prep', `Could not prepare the sidecar ${image}: ${(error as Error).message}`);
    }
  }

  /**
   * Exports a container of the image into a new volume through the image's own tar. False when
   * another worker created the fill container first.
   */
  private async fill(image: string, id: string, volume: string, filler: string): Promise<boolean> {
    const labels = { [SIDECAR_IMAGE_LABEL]: image, [SIDECAR_IMAGE_ID_LABEL]: id };
    let untar: Docker.Container;
    try {
      // Creating the container creates the volume (empty: NoCopy), in one step that other workers see.
      untar = await this.docker.createContainer({
        name: filler,
        Image: id,
        User: 'root',
        Entrypoint: ['/bin/sh', '-c'],
        Cmd: ['tar -x -C /target'],
        OpenStdin: true,
        StdinOnce: true,
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        Labels: labels,
        HostConfig: {
          NetworkMode: 'none',
          Mounts: [
            {
              Type: 'volume',
              Source: volume,
              Target: '/target',
              VolumeOptions: { NoCopy: true, Labels: labels, DriverConfig: { Name: 'local', Options: {} } },
            },
          ],
        },
      });
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 409) return false;
      throw error;
    }
    this.logger.log({ image, volume }, 'sidecar.fill');
    const source = await this.docker.createContainer({ Image: id, Cmd: ['true'], Labels: labels, HostConfig: { NetworkMode: 'none' } });
    try {
      const attached = (await untar.attach({ stream: true, hijack: true, stdin: true, stdout: true, stderr: true })) as NodeJS.ReadWriteStream;
      const output = collect(untar, attached);
      await untar.start();
      const exported = await source.export();
      // The export goes to tar's stdin; its end half-closes the connection, which ends tar's input.
      const sent = new Promise<void>((resolve, reject) => {
        exported.on('error', reject);
        attached.on('error', reject);
        exported.on('end', resolve);
      });
      exported.pipe(attached);
      const [{ StatusCode }] = (await Promise.all([untar.wait(), sent])) as [{ StatusCode: number }, void];
      if (StatusCode !== 0) {
        const said = await Promise.race([output, new Promise<string>((resolve) => setTimeout(() => resolve(''), 2000).unref())]);
        throw new Error(
          `untarring its export with the image's own /bin/sh and tar exited ${StatusCode}${said ? ` (${said})` : ''}; ` +
            'a sidecar image needs /bin/sh and tar at its root (docker/sidecar/build.sh makes one)',
        );
      }
    } catch (error) {
      await untar.remove({ force: true }).catch(() => undefined);
      await this.docker.getVolume(volume).remove().catch(() => undefined);
      throw error;
    } finally {
      await source.remove({ force: true }).catch(() => undefined);
    }
    await untar.remove({ force: true }).catch(() => undefined);
    return true;
  }

  private async fillState(name: string): Promise<FillState> {
    let state: { Status: string; Running: boolean; ExitCode: number };
    try {
      ({ State: state } = await this.docker.getContainer(name).inspect());
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return 'none';
      throw error;
    }
    if (state.Running || state.Status === 'created' || state.Status === 'restarting') {
      // Created and never started: its worker died before the fill began; it never will.
      return state.Status === 'created' ? 'failed' : 'running';
    }
    return state.Status === 'exited' && state.ExitCode === 0 ? 'done' : 'failed';
  }

  private async exists(volume: Docker.Volume): Promise<boolean> {
    try {
      await volume.inspect();
      return true;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return false;
      throw error;
    }
  }
}

/**
 * `oz-agent-<image repository, sanitised>-<first 12 hex digits of the image id>`, in the spirit of
 * the official worker's `<repository>-<digest prefix>`.
 */
export function sidecarVolumeName(image: string, id: string): string {
  const repository = image.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
  const sanitised = repository.replace(/[^a-zA-Z0-9_.-]+/g, '-').replace(/^[^a-zA-Z0-9]+/, '').slice(0, 100) || 'sidecar';
  return `oz-agent-${sanitised}-${id.replace(/^sha256:/, '').slice(0, 12)}`;
}

/** The container's (multiplexed) output while it runs, cut to MAX_ERROR_OUTPUT characters. */
function collect(container: Docker.Container, stream: NodeJS.ReadWriteStream): Promise<string> {
  const sink = new PassThrough();
  let text = '';
  sink.on('data', (chunk: Buffer) => {
    if (text.length < MAX_ERROR_OUTPUT) text += chunk.toString('utf8');
  });
  container.modem.demuxStream(stream, sink, sink);
  return new Promise((resolve) => {
    stream.on('end', () => resolve(text.slice(0, MAX_ERROR_OUTPUT).trim()));
    stream.on('close', () => resolve(text.slice(0, MAX_ERROR_OUTPUT).trim()));
    stream.on('error', () => resolve(text.slice(0, MAX_ERROR_OUTPUT).trim()));
  });
}

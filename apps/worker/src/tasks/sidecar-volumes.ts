import { Inject, Injectable } from '@nestjs/common';
import type Docker from 'dockerode';
import { createHash } from 'node:crypto';
import { DOCKER } from '../config/tokens';
import { TaskSetupError } from './task-errors';

/**
 * Volumes holding a sidecar image's /agent, one per image id, made once and reused by every task
 * (also across restarts of the worker). Docker fills an empty volume from the image when a container
 * mounts it, so creating (not starting) a container is enough.
 */
@Injectable()
export class SidecarVolumes {
  private readonly volumes = new Map<string, Promise<string>>();

  constructor(@Inject(DOCKER) private readonly docker: Docker) {}

  /** The volume's name; the image must be on this machine. */
  volumeFor(image: string): Promise<string> {
    let volume = this.volumes.get(image);
    if (!volume) {
      volume = this.prepare(image);
      volume.catch(() => this.volumes.delete(image));
      this.volumes.set(image, volume);
    }
    return volume;
  }

  private async prepare(image: string): Promise<string> {
    const { Id } = await this.docker.getImage(image).inspect();
    const name = `oz-sidecar-${createHash('sha256').update(Id).digest('hex').slice(0, 16)}`;
    try {
      await this.docker.getVolume(name).inspect();
      return name; // filled by an earlier run of this worker
    } catch {
      // not there yet
    }
    try {
      await this.docker.createVolume({ Name: name, Labels: { 'oz.sidecar-image': image } });
      const filler = await this.docker.createContainer({
        Image: image,
        Entrypoint: ['/agent/entrypoint.sh'],
        HostConfig: { Mounts: [{ Type: 'volume', Source: name, Target: '/agent' }], NetworkMode: 'none' },
      });
      await filler.remove({ force: true });
      return name;
    } catch (error) {
      await this.docker.getVolume(name).remove().catch(() => undefined);
      throw new TaskSetupError('sidecar_prep', `Could not prepare the sidecar ${image}: ${(error as Error).message}`);
    }
  }
}

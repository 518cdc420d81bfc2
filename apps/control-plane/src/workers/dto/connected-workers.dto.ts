import { ApiProperty } from '@nestjs/swagger';
import type { ConnectedWorker, ConnectedWorkersResponse } from '@oz/contract';

class ConnectedWorkerDto implements ConnectedWorker {
  @ApiProperty({ example: 'build-1' }) worker_id!: string;
  @ApiProperty({ description: 'Open WebSockets of this worker, across replicas' }) connections!: number;
  @ApiProperty({ format: 'date-time' }) connected_at!: string;
  @ApiProperty({ format: 'date-time' }) last_seen_at!: string;
}

export class ConnectedWorkersResponseDto implements ConnectedWorkersResponse {
  @ApiProperty({ type: [ConnectedWorkerDto] }) workers!: ConnectedWorkerDto[];
}

import { PartialType } from '@nestjs/swagger';
import { CreateAgentDto } from './create-agent.dto';

/** Any subset of the fields; `null` is refused for those that always hold a value. */
export class UpdateAgentDto extends PartialType(CreateAgentDto) {}

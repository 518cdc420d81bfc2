import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, type SessionUser } from '../common/auth';
import type { AgentView } from './agent.view';
import { CreateAgentDto, UpdateAgentDto } from './agents.dto';
import { AgentsService } from './agents.service';

@ApiTags('agents')
@Controller('agents')
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  @Get()
  @ApiOperation({ operationId: 'listAgents', summary: 'Your agents, with the rooms each is replying in right now' })
  async list(@CurrentUser() user: SessionUser): Promise<{ items: AgentView[] }> {
    return { items: await this.agents.list(user.id) };
  }

  @Post()
  @ApiOperation({ operationId: 'createAgent', summary: 'Create an agent' })
  create(@CurrentUser() user: SessionUser, @Body() body: CreateAgentDto): Promise<AgentView> {
    return this.agents.create(user.id, body);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getAgent', summary: 'One agent' })
  get(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<AgentView> {
    return this.agents.get(user.id, id);
  }

  @Patch(':id')
  @ApiOperation({ operationId: 'updateAgent', summary: 'Change an agent (its status is not settable: it follows its runs)' })
  update(@CurrentUser() user: SessionUser, @Param('id') id: string, @Body() body: UpdateAgentDto): Promise<AgentView> {
    return this.agents.update(user.id, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteAgent', summary: 'Delete an agent (it leaves its rooms)' })
  delete(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<void> {
    return this.agents.delete(user.id, id);
  }
}

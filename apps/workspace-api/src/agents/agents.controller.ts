import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AgentView, ItemList } from '@oz/workspace-contract';
import { ApiErrorResponses } from '@oz/server-kit';
import { CurrentUser, SessionRoute, type SessionUser } from '../common/auth';
import { AgentsService } from './agents.service';
import { AgentListDto, AgentViewDto } from './dto/agent-view.dto';
import { CreateAgentDto } from './dto/create-agent.dto';
import { UpdateAgentDto } from './dto/update-agent.dto';

@ApiTags('agents')
@SessionRoute()
@Controller('agents')
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  @Get()
  @ApiOperation({ operationId: 'listAgents', summary: 'Your agents, with the rooms each is replying in right now' })
  @ApiOkResponse({ type: AgentListDto })
  async list(@CurrentUser() user: SessionUser): Promise<ItemList<AgentView>> {
    return { items: await this.agents.list(user.id) };
  }

  @Post()
  @ApiOperation({ operationId: 'createAgent', summary: 'Create an agent' })
  @ApiCreatedResponse({ type: AgentViewDto })
  @ApiErrorResponses(400, 409)
  create(@CurrentUser() user: SessionUser, @Body() body: CreateAgentDto): Promise<AgentView> {
    return this.agents.create(user.id, body);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getAgent', summary: 'One agent' })
  @ApiOkResponse({ type: AgentViewDto })
  @ApiErrorResponses(404)
  get(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<AgentView> {
    return this.agents.get(user.id, id);
  }

  @Patch(':id')
  @ApiOperation({ operationId: 'updateAgent', summary: 'Change an agent (its status is not settable: it follows its runs)' })
  @ApiOkResponse({ type: AgentViewDto })
  @ApiErrorResponses(400, 404, 409)
  update(@CurrentUser() user: SessionUser, @Param('id') id: string, @Body() body: UpdateAgentDto): Promise<AgentView> {
    return this.agents.update(user.id, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteAgent', summary: 'Delete an agent (it leaves its rooms; its replies in progress stop)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrorResponses(404)
  delete(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<void> {
    return this.agents.delete(user.id, id);
  }
}

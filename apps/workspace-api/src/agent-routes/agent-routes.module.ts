import { Module } from '@nestjs/common';
import { InvocationModule } from '../invocation/invocation.module';
import { AgentResponseController } from './agent-response.controller';

@Module({
  imports: [InvocationModule],
  controllers: [AgentResponseController],
})
export class AgentRoutesModule {}

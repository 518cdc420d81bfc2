import { Module } from '@nestjs/common';
import { ProviderRoutingModule } from '../execution/provider-routing.module';
import { TasksModule } from '../tasks/tasks.module';
import { AnthropicGatewayController, GeminiGatewayController, OpenAiGatewayController } from './llm-gateway.controller';
import { LlmGatewayService } from './llm-gateway.service';
import { RequestUsageRepository } from './request-usage.repository';

/**
 * The LLM gateway for task containers: provider wire formats passed through (Anthropic Messages,
 * OpenAI chat completions and Responses, Gemini generateContent) with the run's task token, routed by
 * the shared provider router; usage per run and provider.
 */
@Module({
  imports: [ProviderRoutingModule, TasksModule],
  controllers: [AnthropicGatewayController, OpenAiGatewayController, GeminiGatewayController],
  providers: [LlmGatewayService, RequestUsageRepository],
  exports: [RequestUsageRepository],
})
export class LlmGatewayModule {}

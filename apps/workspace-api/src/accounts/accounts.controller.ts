import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentUser, PublicRoute, sessionToken, type SessionUser } from '../common/auth';
import { LoginDto, SignupDto, UserDto } from './accounts.dto';
import { AccountsService } from './accounts.service';
import { SessionsService } from './sessions.service';

@ApiTags('accounts')
@Controller('auth')
export class AccountsController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly sessions: SessionsService,
  ) {}

  @Post('signup')
  @PublicRoute()
  @ApiOperation({ operationId: 'signup', summary: 'Create an account and log in (sets the session cookie)' })
  @ApiResponse({ status: 201, type: UserDto })
  async signup(@Body() body: SignupDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<SessionUser> {
    const user = await this.accounts.signup(body);
    await this.startSession(user.id, reply);
    return user;
  }

  @Post('login')
  @PublicRoute()
  @HttpCode(200)
  @ApiOperation({ operationId: 'login', summary: 'Log in (sets the session cookie); repeated failures are limited' })
  @ApiResponse({ status: 200, type: UserDto })
  async login(@Body() body: LoginDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<SessionUser> {
    const user = await this.accounts.login(body, request.ip);
    await this.startSession(user.id, reply);
    return user;
  }

  @Post('logout')
  @PublicRoute()
  @HttpCode(204)
  @ApiOperation({ operationId: 'logout', summary: 'End this session' })
  async logout(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    await this.sessions.end(sessionToken(request));
    void reply.header('Set-Cookie', this.sessions.clearedCookie());
  }

  @Get('me')
  @ApiOperation({ operationId: 'me', summary: 'The logged-in user' })
  @ApiResponse({ status: 200, type: UserDto })
  me(@CurrentUser() user: SessionUser): SessionUser {
    return user;
  }

  private async startSession(userId: string, reply: FastifyReply): Promise<void> {
    const { token, expiresAt } = await this.sessions.start(userId);
    void reply.header('Set-Cookie', this.sessions.cookie(token, expiresAt));
    // The token also in a header, for API clients and scripts that do not keep cookies.
    void reply.header('X-Session-Token', token);
  }
}

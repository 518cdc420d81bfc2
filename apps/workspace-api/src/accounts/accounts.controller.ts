import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '@oz/server-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentUser, PublicRoute, SessionRoute, sessionToken, type SessionUser } from '../common/auth';
import { ClientAddress } from '../core/client-address';
import { AccountsService } from './accounts.service';
import { LoginDto } from './dto/login.dto';
import { SignupDto } from './dto/signup.dto';
import { UserDto } from './dto/user.dto';
import type { StartedSession } from './sessions.service';

const SESSION_HEADERS = {
  'Set-Cookie': { description: 'The httpOnly session cookie `oz_session`', schema: { type: 'string' } },
  'X-Session-Token': { description: 'The same session token, for clients that send it as a bearer token', schema: { type: 'string' } },
};

@ApiTags('accounts')
@Controller('auth')
export class AccountsController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly clients: ClientAddress,
  ) {}

  @Post('signup')
  @PublicRoute()
  @ApiOperation({
    operationId: 'signup',
    summary: 'Create an account and log in (sets the session cookie). Open, invite-only or closed (OZ_SIGNUP); the first account is the instance admin',
  })
  @ApiCreatedResponse({ type: UserDto, headers: SESSION_HEADERS })
  @ApiErrorResponses(400, 403, 409, 503)
  async signup(@Body() body: SignupDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<SessionUser> {
    const { user, session } = await this.accounts.signup(body);
    sendSession(reply, session);
    return user;
  }

  @Post('login')
  @PublicRoute()
  @HttpCode(200)
  @ApiOperation({ operationId: 'login', summary: 'Log in (sets the session cookie); attempts are limited per account and per address' })
  @ApiOkResponse({ type: UserDto, headers: SESSION_HEADERS })
  @ApiErrorResponses(400, 401, 429, 503)
  async login(@Body() body: LoginDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<SessionUser> {
    const { user, session } = await this.accounts.login(body, this.clients.keyOf(request));
    sendSession(reply, session);
    return user;
  }

  @Post('logout')
  @PublicRoute()
  @HttpCode(204)
  @ApiOperation({ operationId: 'logout', summary: 'End this session' })
  @ApiNoContentResponse({ description: 'Logged out (the session cookie is cleared)' })
  async logout(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    void reply.header('Set-Cookie', await this.accounts.logout(sessionToken(request)));
  }

  @Get('me')
  @SessionRoute()
  @ApiOperation({ operationId: 'me', summary: 'The logged-in user (is_admin: the instance admin)' })
  @ApiOkResponse({ type: UserDto })
  me(@CurrentUser() user: SessionUser): SessionUser {
    return user;
  }
}

function sendSession(reply: FastifyReply, session: StartedSession): void {
  void reply.header('Set-Cookie', session.cookie);
  // The token also in a header, for API clients and scripts that do not keep cookies.
  void reply.header('X-Session-Token', session.token);
}

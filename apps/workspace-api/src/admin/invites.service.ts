import { Inject, Injectable } from '@nestjs/common';
import type { CreatedInviteView, InviteView } from '@oz/workspace-contract';
import { ApiException } from '@oz/server-kit';
import { createHash, randomBytes } from 'node:crypto';
import type { SessionUser } from '../common/auth';
import { notFound } from '../common/not-found';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from '../config/workspace.config';
import type { SqlRunner } from '../core/sql';
import { type InviteRow, InvitesRepository } from './invites.repository';

const tokenHash = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * Invites to sign up when signup is invite-only (OZ_SIGNUP=invite): issued, listed and revoked by the
 * instance admin; each opens one signup before it expires (OZ_INVITE_TTL_SECONDS), for one email when
 * it names one. The token (32 random bytes) is shown once, when the invite is made.
 */
@Injectable()
export class InvitesService {
  constructor(
    private readonly invites: InvitesRepository,
    @Inject(WORKSPACE_CONFIG) private readonly config: Pick<WorkspaceConfig, 'signup'>,
  ) {}

  async create(admin: SessionUser, email: string | null): Promise<CreatedInviteView> {
    requireAdmin(admin);
    if (this.config.signup.mode === 'closed') {
      throw ApiException.conflict('Signup is closed on this server (OZ_SIGNUP=closed): an invite could not be used');
    }
    const token = `oz_invite_${randomBytes(32).toString('base64url')}`;
    const invite = await this.invites.create(tokenHash(token), email, admin.id, this.config.signup.inviteTtlSeconds);
    return { ...inviteView(invite), token, link: `/signup?invite=${encodeURIComponent(token)}` };
  }

  async list(admin: SessionUser): Promise<InviteView[]> {
    requireAdmin(admin);
    return (await this.invites.list()).map(inviteView);
  }

  /** Revoked at once: its link opens nothing any more (an account already made with it stays). */
  async revoke(admin: SessionUser, id: string): Promise<void> {
    requireAdmin(admin);
    if (!(await this.invites.delete(id))) throw notFound('Invite', id);
  }

  /** Refuses, before any costly work, a token that cannot open a signup for `email`. */
  async check(token: string, email: string): Promise<void> {
    if (!(await this.invites.usable(tokenHash(token), email))) throw inviteRefused();
  }

  /** Uses the invite for the account being created in `tx`; refuses when someone else used it first. */
  async use(tx: SqlRunner, token: string, email: string, userId: string): Promise<void> {
    if (!(await this.invites.use(tx, tokenHash(token), email, userId))) throw inviteRefused();
  }
}

function requireAdmin(user: SessionUser): void {
  if (!user.is_admin) throw new ApiException(403, 'admin_only', 'Only the instance admin can manage invites');
}

function inviteRefused(): ApiException {
  return new ApiException(403, 'invite_invalid', 'This invite cannot be used: it is unknown, already used, revoked, expired or for another email address');
}

function inviteView(row: InviteRow): InviteView {
  const state = row.used_at ? 'used' : row.expires_at.getTime() <= Date.now() ? 'expired' : 'pending';
  return {
    id: row.id,
    email: row.email,
    state,
    created_at: row.created_at.toISOString(),
    expires_at: row.expires_at.toISOString(),
    used_at: row.used_at?.toISOString() ?? null,
  };
}

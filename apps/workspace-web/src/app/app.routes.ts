import type { Routes } from '@angular/router';
import { signedInGuard, signedOutGuard } from './core/auth/guards';
import { ShellComponent } from './shell/shell.component';

/** URLs are part of the product: every page has one, and deep links work. */
export const routes: Routes = [
  { path: 'login', title: 'Log in', canActivate: [signedOutGuard], loadComponent: () => import('./auth/login.page').then((m) => m.LoginPage) },
  { path: 'signup', title: 'Sign up', canActivate: [signedOutGuard], loadComponent: () => import('./auth/signup.page').then((m) => m.SignupPage) },
  { path: 'share/:shareId', title: 'Shared room', loadComponent: () => import('./share/share.page').then((m) => m.SharePage) },
  {
    path: '',
    component: ShellComponent,
    canActivate: [signedInGuard],
    children: [
      { path: '', pathMatch: 'full', redirectTo: 'rooms' },
      { path: 'rooms', title: 'Rooms', loadComponent: () => import('./rooms/rooms.page').then((m) => m.RoomsPage) },
      { path: 'rooms/:roomId', title: 'Room', loadComponent: () => import('./rooms/room/room.page').then((m) => m.RoomPage) },
      { path: 'agents', title: 'Agents', loadComponent: () => import('./agents/agents.page').then((m) => m.AgentsPage) },
      { path: 'agents/new', title: 'New agent', loadComponent: () => import('./agents/agent-editor.page').then((m) => m.AgentEditorPage) },
      { path: 'agents/:agentId', title: 'Agent', loadComponent: () => import('./agents/agent-editor.page').then((m) => m.AgentEditorPage) },
      { path: 'inbox', title: 'Inbox', loadComponent: () => import('./inbox/inbox.page').then((m) => m.InboxPage) },
      { path: 'settings', title: 'Settings', loadComponent: () => import('./settings/settings.page').then((m) => m.SettingsPage) },
      { path: 'runs', title: 'Runs', loadComponent: () => import('./runs/runs.page').then((m) => m.RunsPage) },
      { path: 'runs/:runId', title: 'Run', loadComponent: () => import('./runs/run-detail.page').then((m) => m.RunDetailPage) },
      { path: 'environments', title: 'Environments', loadComponent: () => import('./environments/environments.page').then((m) => m.EnvironmentsPage) },
      { path: 'environments/new', title: 'New environment', loadComponent: () => import('./environments/environment-editor.page').then((m) => m.EnvironmentEditorPage) },
      { path: 'environments/:environmentId', title: 'Environment', loadComponent: () => import('./environments/environment-editor.page').then((m) => m.EnvironmentEditorPage) },
      { path: 'schedules', title: 'Schedules', loadComponent: () => import('./schedules/schedules.page').then((m) => m.SchedulesPage) },
      { path: 'schedules/new', title: 'New schedule', loadComponent: () => import('./schedules/schedule-editor.page').then((m) => m.ScheduleEditorPage) },
      { path: 'schedules/:scheduleId', title: 'Schedule', loadComponent: () => import('./schedules/schedule-editor.page').then((m) => m.ScheduleEditorPage) },
      { path: 'workers', title: 'Workers', loadComponent: () => import('./workers/workers.page').then((m) => m.WorkersPage) },
      { path: 'providers', title: 'Providers', loadComponent: () => import('./providers/providers.page').then((m) => m.ProvidersPage) },
      { path: '**', title: 'Not found', loadComponent: () => import('./shell/not-found.page').then((m) => m.NotFoundPage) },
    ],
  },
];
